package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract's "Read a stream" section, over HTTP on a real Cassandra. */
class ReadIT extends OneNodeIT {
  private final String stream = "invoice-" + UUID.randomUUID();

  @Override
  protected String keyspace() {
    return "read_it";
  }

  @BeforeAll
  void appendTwentyFiveEvents() {
    StringBuilder batch = new StringBuilder("[");
    for (int i = 1; i <= 25; i++) {
      batch.append(i > 1 ? "," : "").append(event("E" + i, "{\"n\":" + i + "}"));
    }
    assertEquals(201, http.post("/streams/" + stream, batch + "]").status());
  }

  private static List<Long> versions(JsonNode page) {
    List<Long> out = new ArrayList<>();
    page.path("events").forEach(e -> out.add(e.path("version").asLong()));
    return out;
  }

  @Test
  void readsForwardFromTheStartWithDefaultLimit() {
    HttpJson.Response r = http.get("/streams/" + stream);
    assertEquals(200, r.status());
    assertEquals("\"25\"", r.header("ETag"));
    assertEquals(25, r.body().path("version").asLong());
    assertEquals(25, versions(r.body()).size());
    assertEquals(1L, versions(r.body()).get(0));
    assertTrue(r.body().path("next").isNull());
    JsonNode first = r.body().path("events").get(0);
    assertEquals(stream, first.path("stream").asText());
    assertEquals("E1", first.path("type").asText());
    assertEquals(1, first.path("data").path("n").asInt());
    assertTrue(first.path("recorded").asText().endsWith("Z"));
  }

  @Test
  void pagesForwardThroughNextLinksCoveringEveryEventOnce() {
    List<Long> seen =
        http.readAllPages("/streams/" + stream + "?from=3&limit=10").stream()
            .map(e -> e.path("version").asLong())
            .toList();
    assertEquals(23, seen.size());
    for (int i = 0; i < seen.size(); i++) {
      assertEquals(i + 3L, seen.get(i));
    }
  }

  @Test
  void pagesBackwardFromTheEnd() {
    JsonNode page = http.get("/streams/" + stream + "?direction=backward&limit=10").body();
    assertEquals(List.of(25L, 24L, 23L, 22L, 21L, 20L, 19L, 18L, 17L, 16L), versions(page));
    JsonNode last = http.get(page.path("next").asText()).body();
    assertEquals(15L, versions(last).get(0));
    JsonNode tail = http.get("/streams/" + stream + "?direction=backward&from=3&limit=10").body();
    assertEquals(List.of(3L, 2L, 1L), versions(tail));
    assertTrue(tail.path("next").isNull());
  }

  @Test
  void readsPastTheEndAsAnEmptyPage() {
    JsonNode page = http.get("/streams/" + stream + "?from=26").body();
    assertEquals(0, page.path("events").size());
    assertEquals(25, page.path("version").asLong());
  }

  @Test
  void answers304WhenTheEtagIsCurrent() {
    HttpJson.Response r = http.get("/streams/" + stream, "If-None-Match", "\"25\"");
    assertEquals(304, r.status());
    assertEquals(200, http.get("/streams/" + stream, "If-None-Match", "\"24\"").status());
  }

  @Test
  void readsOneEventByVersion() {
    HttpJson.Response r = http.get("/streams/" + stream + "/7");
    assertEquals(200, r.status());
    assertEquals(7, r.body().path("version").asLong());
    assertEquals("E7", r.body().path("type").asText());
    http.get("/streams/" + stream + "/26").assertProblem(404, "event-not-found");
    http.get("/streams/" + stream + "/0").assertProblem(404, "event-not-found");
  }

  @Test
  void answers404ForAStreamNeverWritten() {
    http.get("/streams/never-" + UUID.randomUUID()).assertProblem(404, "stream-not-found");
    http.get("/streams/never-" + UUID.randomUUID() + "/1").assertProblem(404, "stream-not-found");
  }
}
