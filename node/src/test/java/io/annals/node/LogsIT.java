package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.annals.node.log.Position;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The global log and the category logs on real Cassandra: 2,000 events over 50 streams of 5
 * categories, each found exactly once in /all and in its category, each stream in version order,
 * however the logs are paged; read-your-writes with waitFor; the stream listing.
 */
class LogsIT extends OneNodeIT {
  private static final int STREAMS = 50;
  private static final int EVENTS_PER_STREAM = 40;
  private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final List<String> categories = new ArrayList<>();
  private final Map<String, Integer> written = new HashMap<>();
  private String allBefore;

  @Override
  protected String keyspace() {
    return "logs_it";
  }

  @BeforeAll
  void writeTwoThousandEventsOverFiftyStreamsOfFiveCategories() {
    allBefore = endOf("/all?limit=1000");
    for (int c = 0; c < 5; c++) {
      categories.add("cat" + c + "x" + run);
    }
    List<CompletableFuture<HttpJson.Response>> appends = new ArrayList<>();
    for (int round = 0; round < EVENTS_PER_STREAM / 4; round++) {
      for (int s = 0; s < STREAMS; s++) {
        String stream = categories.get(s % 5) + "-" + s;
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 4; i++) {
          batch.append(i == 0 ? "" : ",").append(event("Counted", "{\"s\":" + s + "}"));
        }
        appends.add(http.postAsync("/streams/" + stream, batch.append("]").toString()));
        written.merge(stream, 4, Integer::sum);
      }
      appends.forEach(a -> assertEquals(201, a.join().status(), () -> a.join().raw()));
      appends.clear();
    }
  }

  @Test
  void everyEventAppearsExactlyOnceInTheGlobalLogWithEachStreamInVersionOrder() {
    List<JsonNode> events = readLog("/all", allBefore, 137);
    assertExactlyOnceInOrder(events, written);
  }

  @Test
  void everyEventAppearsExactlyOnceInItsCategoryLog() {
    for (String category : categories) {
      Map<String, Integer> expected = new HashMap<>();
      written.forEach(
          (s, n) -> {
            if (s.startsWith(category + "-")) {
              expected.put(s, n);
            }
          });
      List<JsonNode> events = readLog("/categories/" + category, null, 33);
      assertEquals(
          400,
          events.stream().filter(e -> expected.containsKey(e.path("stream").asText())).count());
      assertExactlyOnceInOrder(events, expected);
    }
  }

  @Test
  void pagingThroughNextCoversEverythingExactlyOnceWhateverThePageSize() {
    String category = categories.get(2);
    List<String> ids1 = ids(readLog("/categories/" + category, null, 1000));
    List<String> ids2 = ids(readLog("/categories/" + category, null, 7));
    assertEquals(ids1, ids2, "the same order whatever the page size");
    assertEquals(ids1.size(), new HashSet<>(ids1).size());
  }

  @Test
  void resumingFromAnyEventsPositionContinuesRightAfterIt() {
    List<JsonNode> all = readLog("/all", allBefore, 1000);
    for (int at : new int[] {0, 1, 399, 1000, 1998}) {
      String position = all.get(at).path("position").asText();
      JsonNode page = http.get("/all?limit=3&after=" + position).body();
      assertEquals(
          all.get(at + 1).path("id").asText(),
          page.path("events").get(0).path("id").asText(),
          "after event " + at);
    }
  }

  @Test
  void anAppendsPositionIsVisibleThroughWaitFor() {
    String stream = categories.get(0) + "-waitfor";
    HttpJson.Response appended = http.post("/streams/" + stream, event("Placed", "1"));
    String position = appended.body().path("position").asText();
    assertFalse(position.isEmpty(), "an append answers its position");
    String after = endOf("/categories/" + categories.get(0) + "?limit=1000");
    HttpJson.Response all =
        http.get("/all?limit=1000&timeout=5s&after=" + allBefore + "&waitFor=" + position);
    assertEquals(200, all.status(), all.raw());
    HttpJson.Response category =
        http.get("/categories/" + categories.get(0) + "?timeout=5s&waitFor=" + position);
    assertEquals(200, category.status(), category.raw());
    assertNotNull(after);
    List<JsonNode> seen = readLog("/all", allBefore, 1000);
    assertTrue(
        seen.stream().anyMatch(e -> e.path("stream").asText().equals(stream)),
        "the appended event is in /all once waitFor answered");
  }

  @Test
  void aPositionNotYetIndexedAnswers503NotYetIndexed() {
    String stream = categories.get(1) + "-future";
    http.post("/streams/" + stream, event("Placed", "1"));
    String future = new Position.Append(stream, 5).encode();
    HttpJson.Response r = http.get("/all?waitFor=" + future + "&timeout=200ms");
    r.assertProblem(503, "not-yet-indexed");
    assertEquals("1", r.header("Retry-After"));
    http.get("/categories/" + categories.get(1) + "?waitFor=" + future + "&timeout=50ms")
        .assertProblem(503, "not-yet-indexed");
  }

  @Test
  void listsStreamNamesInOrderPageByPage() {
    List<String> names = new ArrayList<>();
    String after = null;
    do {
      String url =
          "/streams?limit=9"
              + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
      JsonNode page = http.get(url).body();
      page.path("streams").forEach(n -> names.add(n.asText()));
      after = page.path("next").isNull() ? null : page.path("next").asText();
    } while (after != null);
    assertTrue(names.containsAll(written.keySet()), "every written stream is listed");
    List<String> sorted = new ArrayList<>(names);
    sorted.sort(null);
    assertEquals(sorted, names, "in name order");
    assertEquals(names.size(), new HashSet<>(names).size(), "each once");
  }

  @Test
  void refusesPositionsAndTimeoutsItDidNotWrite() {
    http.get("/all?after=notaposition!").assertProblem(400, "invalid-query-parameter");
    http.get("/all?after=" + new Position.Category(io.annals.node.log.Cursor.START).encode())
        .assertProblem(400, "invalid-query-parameter");
    http.get("/categories/" + categories.get(0) + "?after=" + allBefore)
        .assertProblem(400, "invalid-query-parameter");
    http.get("/all?waitFor=" + allBefore + "&timeout=forever")
        .assertProblem(400, "invalid-query-parameter");
    http.get("/all?limit=0").assertProblem(400, "invalid-query-parameter");
    http.get("/categories/bad-category").assertProblem(400, "invalid-category");
    String other = new Position.Append("elsewhere-1", 1).encode();
    http.get("/categories/" + categories.get(0) + "?waitFor=" + other)
        .assertProblem(400, "invalid-query-parameter");
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Every event of a log from {@code after}, following next until a page comes back empty. */
  private List<JsonNode> readLog(String path, String after, int limit) {
    List<JsonNode> out = new ArrayList<>();
    String next = after;
    while (true) {
      String url = path + "?limit=" + limit + (next == null ? "" : "&after=" + next);
      JsonNode page = http.getRetrying503(url).body();
      JsonNode events = page.path("events");
      if (events.isEmpty()) {
        return out.stream().filter(this::ofThisRun).toList();
      }
      events.forEach(out::add);
      next = page.path("next").asText();
    }
  }

  private boolean ofThisRun(JsonNode e) {
    return e.path("stream").asText().contains("x" + run + "-");
  }

  private String endOf(String path) {
    String next = null;
    while (true) {
      JsonNode page = http.getRetrying503(path + (next == null ? "" : "&after=" + next)).body();
      String n = page.path("next").asText();
      if (page.path("events").isEmpty()) {
        return n;
      }
      next = n;
    }
  }

  private static List<String> ids(List<JsonNode> events) {
    return events.stream().map(e -> e.path("id").asText()).toList();
  }

  private static void assertExactlyOnceInOrder(
      List<JsonNode> events, Map<String, Integer> written) {
    Set<String> ids = new HashSet<>();
    Map<String, Long> lastVersion = new HashMap<>();
    for (JsonNode e : events) {
      String stream = e.path("stream").asText();
      if (!written.containsKey(stream)) {
        continue;
      }
      assertTrue(ids.add(e.path("id").asText()), "each event once: " + e);
      long version = e.path("version").asLong();
      assertEquals(
          lastVersion.getOrDefault(stream, 0L) + 1, version, "stream " + stream + " in order");
      lastVersion.put(stream, version);
      assertFalse(e.path("position").asText().isEmpty(), "each event has its position");
    }
    written.forEach(
        (stream, n) -> assertEquals((long) n, lastVersion.getOrDefault(stream, 0L), stream));
  }
}
