package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Events acknowledged but never indexed — what a node that crashed between an acknowledgement and
 * its indexing leaves, here written by a node with indexing off — reach the global and category
 * logs through the index sweep, exactly once, without their streams being used again.
 */
@ExtendWith(RealCassandra.class)
class IndexSweepIT {
  private static final String KEYSPACE = "index_sweep_it";

  @Test
  void theSweepIndexesEventsNoLogHasWithoutTheirStreamsBeingUsedAgain() throws Exception {
    Map<String, List<String>> written = new HashMap<>();
    try (AnnalsNode unindexed = startNode("annals.log.partitions = 0")) {
      HttpJson http = new HttpJson(unindexed.baseUrl());
      for (int i = 0; i < 60; i++) {
        String stream = "swept-" + (i % 6);
        // every third append carries three events: entries of more than one version
        int n = i % 3 == 0 ? 3 : 1;
        StringBuilder body = new StringBuilder("[");
        for (int k = 0; k < n; k++) {
          body.append(k > 0 ? "," : "").append(event("Swept", "{\"i\":" + i + "}"));
        }
        HttpJson.Response r = http.post("/streams/" + stream, body.append(']').toString());
        assertEquals(201, r.status(), r.raw());
        r.body()
            .path("events")
            .forEach(
                e ->
                    written
                        .computeIfAbsent(stream, s -> new ArrayList<>())
                        .add(e.path("id").asText()));
      }
    }
    assertEquals(100, written.values().stream().mapToInt(List::size).sum());

    try (AnnalsNode indexing = startNode("annals.log.sweep.start-delay = 1s")) {
      HttpJson http = new HttpJson(indexing.baseUrl());
      List<JsonNode> category = awaitEvents(http, "/categories/swept", 100);
      assertEquals(written, idsByStream(category), "each event once, each stream in order");
      List<JsonNode> all = awaitEvents(http, "/all", 100);
      assertEquals(written, idsByStream(all), "the global log too");

      // the stream, used again, indexes its new event after the swept ones, and nothing twice
      HttpJson.Response r = http.post("/streams/swept-0", event("After", "{}"));
      assertEquals(201, r.status(), r.raw());
      written.get("swept-0").add(r.body().path("events").get(0).path("id").asText());
      assertEquals(written, idsByStream(awaitEvents(http, "/categories/swept", 101)));
      assertEquals(written, idsByStream(awaitEvents(http, "/all", 101)));
    }
  }

  /** A node on this test's keyspace with {@code overrides} on top of the test defaults. */
  private static AnnalsNode startNode(String overrides) {
    return AnnalsNode.start(
        ConfigFactory.parseString(overrides).withFallback(RealCassandra.nodeConfig(KEYSPACE)),
        Duration.ofMinutes(2));
  }

  /** The log's events once it holds {@code n} (the sweep runs in the background). */
  private static List<JsonNode> awaitEvents(HttpJson http, String log, int n)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<JsonNode> events = swept(http.readLog(log));
    while (events.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(250);
      events = swept(http.readLog(log));
    }
    assertEquals(n, events.size(), log + " holds every swept event, none twice");
    return events;
  }

  private static List<JsonNode> swept(List<JsonNode> events) {
    return events.stream().filter(e -> e.path("stream").asText().startsWith("swept-")).toList();
  }

  /** Each stream's event ids in log order, after checking its versions run 1, 2, 3, .... */
  private static Map<String, List<String>> idsByStream(List<JsonNode> events) {
    Map<String, List<String>> out = new HashMap<>();
    for (JsonNode e : events) {
      List<String> ids = out.computeIfAbsent(e.path("stream").asText(), s -> new ArrayList<>());
      ids.add(e.path("id").asText());
      assertEquals(ids.size(), e.path("version").asInt(), "versions in order: " + e);
    }
    return out;
  }
}
