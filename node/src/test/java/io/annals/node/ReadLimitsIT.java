package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pages of {@code /all} and of a category, and every kind of subscription catching up, are bounded
 * by bytes as well as by events (issue 20: a step of 1,024 events of 1 MiB each would fill the
 * heap): with budgets of 256 KiB, 40 events of 100 KiB come in pages of three and in many catch-up
 * steps, every event exactly once and in order.
 */
class ReadLimitsIT extends OneNodeIT {
  private static final int EVENTS = 40;
  private static final String STREAM = "big-1";
  private String position;

  @Override
  protected String keyspace() {
    return "read_limits_it";
  }

  @Override
  protected String nodeOverrides() {
    return """
        annals.read.max-page-bytes = 256 KiB
        annals.subscriptions.catch-up-bytes = 256 KiB
        """;
  }

  @BeforeAll
  void fortyEventsOf100KiB() {
    String filler = "x".repeat(100 * 1024);
    for (int i = 1; i <= EVENTS; i++) {
      var r =
          http.post(
              "/streams/" + STREAM,
              "{\"type\":\"Big\",\"data\":{\"n\":" + i + ",\"s\":\"" + filler + "\"}}");
      assertEquals(201, r.status(), r.raw());
      position = r.body().path("position").asText();
    }
  }

  @Test
  void endsPagesOfACategoryAndOfAllAtTheByteBudget() {
    for (String log : List.of("/categories/big", "/all")) {
      JsonNode first = http.getRetrying503(log + "?limit=1000&waitFor=" + position).body();
      // three events of 100 KiB pass 256 KiB: the page ends there (/all may start with the
      // node's own small start-up event)
      int size = first.path("events").size();
      assertTrue(size == 3 || (log.equals("/all") && size == 4), () -> log + ": " + size);
      List<Long> versions = new ArrayList<>();
      for (JsonNode e : http.readLog(log)) {
        if (e.path("stream").asText().equals(STREAM)) {
          versions.add(e.path("version").asLong());
        }
      }
      assertEquals(EVENTS, versions.size(), log);
      for (int i = 0; i < EVENTS; i++) {
        assertEquals(i + 1, versions.get(i), log + " in order, each once");
      }
    }
  }

  @Test
  void catchesUpEverySubscriptionInStepsBoundedByBytes() throws Exception {
    http.getRetrying503("/all?limit=1&waitFor=" + position);
    for (String path :
        List.of(
            "/streams/" + STREAM + "/subscribe", "/categories/big/subscribe", "/all/subscribe")) {
      double before = NodeMetrics.value(http, "annals_subscriptions_catchup_steps_total");
      try (SseClient sse = new SseClient(http.base() + path)) {
        Set<Long> seen = new HashSet<>();
        long last = 0;
        while (seen.size() < EVENTS) {
          JsonNode e =
              HttpJson.MAPPER.readTree(sse.events(1, Duration.ofSeconds(20)).get(0).data());
          if (!e.path("stream").asText().equals(STREAM)) {
            continue;
          }
          long v = e.path("version").asLong();
          assertEquals(last + 1, v, path + " in order");
          assertTrue(seen.add(v), path + " once");
          last = v;
        }
      }
      double steps = NodeMetrics.value(http, "annals_subscriptions_catchup_steps_total") - before;
      // 4 MB at 256 KiB a step (shared by four partitions for /all): 16 steps, fewer as the
      // first read of a subscription takes 16 events before it knows their size; counted by
      // events alone (1,024 a step) it would be one
      assertTrue(steps >= 8, () -> path + " caught up in " + steps + " steps");
    }
  }
}
