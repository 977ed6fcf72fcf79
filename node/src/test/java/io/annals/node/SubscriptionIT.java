package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * SSE subscriptions of a stream, a category and the global log on real Cassandra: catch-up then
 * live without gap or duplicate while writers append, resumption with Last-Event-ID, heartbeats as
 * comment lines, a slow subscriber under a flood, and 200 subscribers at once.
 */
class SubscriptionIT extends OneNodeIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Override
  protected String keyspace() {
    return "subscription_it";
  }

  @Override
  protected String nodeOverrides() {
    // catch-up steps of 40 events: appends of 100 make index entries larger than a step
    return "annals.subscriptions.heartbeat = 1s\nannals.subscriptions.catch-up-events = 40";
  }

  @Test
  void streamCategoryAndAllSubscriptionsCatchUpThenGoLiveWithoutGapOrDuplicate() throws Exception {
    String category = unique("live");
    String allBefore = http.endOfLog("/all");
    AtomicInteger appended = new AtomicInteger();
    appendRoundRobin(category, 5, 100, appended);

    try (SseClient stream = new SseClient(baseUrl() + "/streams/" + category + "-0/subscribe");
        SseClient cat = new SseClient(baseUrl() + "/categories/" + category + "/subscribe");
        SseClient all = new SseClient(baseUrl() + "/all/subscribe?after=" + allBefore)) {
      assertEquals(200, cat.status());
      assertTrue(cat.contentType().startsWith("text/event-stream"), cat.contentType());
      for (SseClient c : List.of(stream, cat, all)) {
        assertEquals("1000", c.take(WAIT).retry(), "the first message carries retry");
      }
      // writers keep appending while the subscribers catch up and go live
      appendRoundRobin(category, 5, 500, appended);

      List<SseClient.Message> streamEvents = stream.events(120, WAIT);
      for (int i = 0; i < streamEvents.size(); i++) {
        assertEquals(Long.toString(i + 1), streamEvents.get(i).id(), "stream ids are versions");
        assertEquals(i + 1, json(streamEvents.get(i)).path("version").asLong());
      }

      List<SseClient.Message> catEvents = cat.events(600, WAIT);
      List<String> logOrder = categoryIds(category);
      assertEquals(logOrder, ids(catEvents), "the category subscription is the category log");
      assertPerStreamOrder(catEvents, 5, 120);

      List<SseClient.Message> allEvents = new ArrayList<>();
      while (allEvents.size() < 600) {
        SseClient.Message m = all.events(1, WAIT).get(0);
        if (json(m).path("stream").asText().startsWith(category + "-")) {
          allEvents.add(m);
        }
      }
      assertPerStreamOrder(allEvents, 5, 120);
      assertEquals(new HashSet<>(logOrder), new HashSet<>(ids(allEvents)));

      // each message's data is the event as the log's pages give it, its id is the position in it
      Map<String, JsonNode> paged = new HashMap<>();
      http.readLog("/categories/" + category).forEach(e -> paged.put(e.path("id").asText(), e));
      for (SseClient.Message m : catEvents) {
        JsonNode sent = json(m);
        assertEquals(
            paged.get(sent.path("id").asText()), sent, "category message = log page event");
        assertEquals(m.id(), sent.path("position").asText());
      }
      for (SseClient.Message m : allEvents) {
        ObjectNode sent = (ObjectNode) json(m);
        assertEquals(
            m.id(), sent.remove("position").asText(), "an /all message's id is its position");
        ObjectNode inLog = paged.get(sent.path("id").asText()).deepCopy();
        inLog.remove("position");
        assertEquals(inLog, sent, "an /all message carries the same event");
      }
      for (SseClient.Message m : streamEvents) {
        JsonNode sent = json(m);
        ObjectNode inLog = paged.get(sent.path("id").asText()).deepCopy();
        inLog.remove("position");
        assertEquals(inLog, sent, "a stream message is the event, without a position");
      }

      // nothing more arrives: no duplicate was waiting
      assertNoMoreEvents(cat, Duration.ofSeconds(2));

      // reconnecting with Last-Event-ID continues right after that message
      assertResumesAfter(
          baseUrl() + "/categories/" + category + "/subscribe?after=ignored",
          catEvents,
          0,
          99,
          357);
      for (int k : new int[] {0, 99, 357}) {
        try (SseClient again =
            new SseClient(
                baseUrl() + "/streams/" + category + "-0/subscribe?from=1",
                streamEvents.get(k % 100).id(),
                100_000)) {
          assertEquals(
              ids(streamEvents.subList(k % 100 + 1, 120)), ids(again.events(119 - k % 100, WAIT)));
        }
      }
      int k = 250;
      Set<String> rest = new HashSet<>();
      try (SseClient again =
          new SseClient(baseUrl() + "/all/subscribe", allEvents.get(k).id(), 100_000)) {
        Set<String> expected = new HashSet<>(ids(allEvents.subList(k + 1, 600)));
        while (rest.size() < expected.size()) {
          SseClient.Message m = again.events(1, WAIT).get(0);
          if (json(m).path("stream").asText().startsWith(category + "-")) {
            assertTrue(rest.add(json(m).path("id").asText()), "no duplicate after resuming");
          }
        }
        assertEquals(expected, rest, "resuming /all delivers exactly what followed");
      }
    }
  }

  @Test
  void catchUpThroughEntriesLargerThanAChunkDeliversEachEventOnceAndResumesInsideAnEntry()
      throws Exception {
    String category = unique("wide");
    String allBefore = http.endOfLog("/all");
    // streams 0 and 1 get appends of 100 events (index entries of 100, a catch-up step is 40),
    // stream 2
    // single events between them
    for (int round = 0; round < 3; round++) {
      for (int s = 0; s < 2; s++) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 100; i++) {
          body.append(i > 0 ? "," : "").append(event("Wide", "{\"round\":" + round + "}"));
        }
        assertEquals(
            201, http.post("/streams/" + category + "-" + s, body.append(']').toString()).status());
      }
      assertEquals(201, http.post("/streams/" + category + "-2", event("Narrow", "{}")).status());
    }
    List<String> logOrder = categoryIds(category);
    assertEquals(603, logOrder.size());

    try (SseClient cat = new SseClient(baseUrl() + "/categories/" + category + "/subscribe");
        SseClient all = new SseClient(baseUrl() + "/all/subscribe?after=" + allBefore)) {
      List<SseClient.Message> catEvents = cat.events(603, WAIT);
      assertEquals(logOrder, ids(catEvents), "every event once, in the category log's order");
      assertNoMoreEvents(cat, Duration.ofSeconds(1));
      List<SseClient.Message> allEvents = new ArrayList<>();
      while (allEvents.size() < 603) {
        SseClient.Message m = all.events(1, WAIT).get(0);
        if (json(m).path("stream").asText().startsWith(category + "-")) {
          allEvents.add(m);
        }
      }
      assertEquals(
          byStream(catEvents), byStream(allEvents), "/all: the same events, each stream in order");

      // resume at the start, the end and inside an entry, in the chunk and the entry ahead
      assertResumesAfter(
          baseUrl() + "/categories/" + category + "/subscribe",
          catEvents,
          0,
          39,
          40,
          99,
          100,
          150,
          301,
          601);
    }
  }

  @Test
  void heartbeatsAreCommentLinesNotEvents() throws Exception {
    assumeInProcessNode(); // the heartbeat interval is this class's node setting (1s)
    try (SseClient idle =
        new SseClient(baseUrl() + "/categories/" + unique("idle") + "/subscribe")) {
      assertEquals("1000", idle.take(WAIT).retry());
      SseClient.Message heartbeat = idle.take(Duration.ofSeconds(5));
      assertNotNull(heartbeat, "a heartbeat within the interval");
      assertTrue(heartbeat.comment(), "the heartbeat is a comment line");
      assertNull(heartbeat.data(), "and carries no data");
    }
  }

  @Test
  void aSlowSubscriberHoldsBoundedMemoryAndThenGetsEverythingInOrder() throws Exception {
    assumeInProcessNode(); // measures the node's heap
    String category = unique("slow");
    long idleHeap = usedHeapAfterGc();
    String payload = "\"" + "x".repeat(1000) + "\"";
    try (SseClient slow =
        new SseClient(baseUrl() + "/categories/" + category + "/subscribe", null, 10)) {
      ExecutorService writers = Executors.newFixedThreadPool(8);
      List<CompletableFuture<Void>> done = new ArrayList<>();
      for (int w = 0; w < 8; w++) {
        int writer = w;
        done.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int b = writer; b < 500; b += 8) {
                    StringBuilder batch = new StringBuilder("[");
                    for (int i = 0; i < 100; i++) {
                      batch.append(i == 0 ? "" : ",").append(event("Flooded", payload));
                    }
                    HttpJson.Response r =
                        http.post("/streams/" + category + "-" + (b % 10), batch + "]");
                    assertEquals(201, r.status(), r.raw());
                  }
                },
                writers));
      }
      List<SseClient.Message> got = new ArrayList<>();
      while (!done.stream().allMatch(CompletableFuture::isDone)) {
        SseClient.Message m = slow.take(Duration.ofMillis(100)); // ~10 events a second
        if (m != null && m.data() != null) {
          got.add(m);
        }
        Thread.sleep(100);
      }
      done.forEach(CompletableFuture::join);
      writers.shutdown();
      long stalledHeap = usedHeapAfterGc();
      long grown = (stalledHeap - idleHeap) / (1 << 20);
      assertTrue(
          grown < 192,
          "50 MB appended past a stalled subscriber grew the heap by " + grown + " MiB");
      got.addAll(slow.events(50_000 - got.size(), Duration.ofMinutes(3)));
      assertPerStreamOrder(got, 10, 5000);
      assertEquals(50_000, new HashSet<>(ids(got)).size(), "every event, once");
    }
  }

  @Test
  void threeHundredAllSubscribersConnectingAtOnceFailNoAppendAndEachGetEveryEvent()
      throws Exception {
    String category = unique("burst");
    String allBefore = http.endOfLog("/all");
    List<SseClient> clients = new ArrayList<>();
    ExecutorService connect = Executors.newFixedThreadPool(50);
    try {
      // their catch-up reads (four partitions each) queue in the node's query limit; appends
      // made meanwhile still succeed
      List<Future<SseClient>> opening = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        opening.add(
            connect.submit(() -> new SseClient(baseUrl() + "/all/subscribe?after=" + allBefore)));
      }
      AtomicInteger counter = new AtomicInteger();
      appendRoundRobin(category, 3, 60, counter); // asserts every append is a 201
      for (Future<SseClient> f : opening) {
        clients.add(f.get());
      }
      appendRoundRobin(category, 3, 60, counter);
      Set<String> expected = new HashSet<>(categoryIds(category));
      assertEquals(120, expected.size());
      for (SseClient c : clients) {
        Set<String> got = new HashSet<>();
        while (got.size() < expected.size()) {
          SseClient.Message m = c.events(1, WAIT).get(0);
          if (json(m).path("stream").asText().startsWith(category + "-")) {
            got.add(json(m).path("id").asText());
          }
        }
        assertEquals(expected, got);
      }
    } finally {
      connect.shutdownNow();
      clients.forEach(SseClient::close);
    }
  }

  @Test
  void twoHundredSubscribersEachReceiveEveryEvent() throws Exception {
    String category = unique("many");
    List<SseClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 200; i++) {
        clients.add(new SseClient(baseUrl() + "/categories/" + category + "/subscribe"));
      }
      appendRoundRobin(category, 3, 300, new AtomicInteger());
      List<String> order = categoryIds(category);
      assertEquals(300, order.size());
      for (SseClient c : clients) {
        assertEquals(order, ids(c.events(300, WAIT)));
      }
    } finally {
      clients.forEach(SseClient::close);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static String unique(String prefix) {
    return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  /** Appends {@code n} single-event appends over streams {@code category-0..streams-1}. */
  @Test
  void messagesNameTheirEventOnlyWhenAskedWithEventsNamed() throws Exception {
    String stream = unique("named") + "-1";
    assertEquals(201, http.post("/streams/" + stream, event("Said", "1")).status());
    try (SseClient plain = new SseClient(baseUrl() + "/streams/" + stream + "/subscribe");
        SseClient named =
            new SseClient(baseUrl() + "/streams/" + stream + "/subscribe?events=named")) {
      SseClient.Message p = plain.events(1, WAIT).get(0);
      assertNull(p.event(), "no event: line by default, so EventSource.onmessage gets it");
      assertEquals("Said", json(p).path("type").asText(), "the type stays in the data");
      assertEquals(
          "Said", named.events(1, WAIT).get(0).event(), "events=named: event: is the type");
    }
    http.get("/all/subscribe?events=nameless", "Accept", "text/event-stream")
        .assertProblem(400, "invalid-query-parameter");
  }

  @Test
  void theAppendPositionReadsAndSubscribesExactlyTheEventsAfterThatAppend() throws Exception {
    String mine = unique("mine");
    String other = unique("other");
    String start = http.endOfLog("/all");
    List<String> positions = new ArrayList<>();
    List<String> streams =
        List.of(mine + "-1", other + "-1", mine + "-2", other + "-2", mine + "-1", mine + "-3");
    for (String s : streams) {
      HttpJson.Response r = http.post("/streams/" + s, event("Wrote", "{\"to\":\"" + s + "\"}"));
      assertEquals(201, r.status());
      positions.add(r.body().path("position").asText());
    }
    for (String p : positions) {
      assertEquals(200, http.get("/all?limit=1&timeout=10s&waitFor=" + p).status());
    }
    String mark = positions.get(2); // the append to mine-2
    List<String> all = idsOf(logFrom("/all", start), mine, other);
    List<String> category = idsOf(logFrom("/categories/" + mine, null), mine, other);
    String markId = idsOf(logFrom("/categories/" + mine, null), mine + "-2", mine + "-2").get(0);
    List<String> allAfter = all.subList(all.indexOf(markId) + 1, all.size());
    List<String> categoryAfter = category.subList(category.indexOf(markId) + 1, category.size());
    assertEquals(3, allAfter.size(), "the three appends after it: " + all);
    assertEquals(2, categoryAfter.size(), "the two appends to " + mine + " after it");

    // when / then: pages
    assertEquals(allAfter, idsOf(logFrom("/all", mark), mine, other), "/all?after=<append>");
    assertEquals(
        categoryAfter,
        idsOf(logFrom("/categories/" + mine, mark), mine, other),
        "/categories/{c}?after=<append>");
    http.get("/categories/" + other + "?after=" + mark)
        .assertProblem(400, "invalid-query-parameter");

    // and subscriptions, by after and by Last-Event-ID
    try (SseClient byAfter =
            new SseClient(baseUrl() + "/categories/" + mine + "/subscribe?after=" + mark);
        SseClient byLastId =
            new SseClient(baseUrl() + "/categories/" + mine + "/subscribe", mark, 1000);
        SseClient ofAll = new SseClient(baseUrl() + "/all/subscribe?after=" + mark)) {
      assertEquals(categoryAfter, ids(byAfter.events(2, WAIT)));
      assertEquals(categoryAfter, ids(byLastId.events(2, WAIT)));
      assertNoMoreEvents(byAfter, Duration.ofSeconds(1));
      List<String> live = new ArrayList<>();
      while (live.size() < 3) {
        SseClient.Message m = ofAll.events(1, WAIT).get(0);
        String s = json(m).path("stream").asText();
        if (s.startsWith(mine + "-") || s.startsWith(other + "-")) {
          live.add(json(m).path("id").asText());
        }
      }
      // a subscription of /all may interleave its partitions otherwise than a page read
      assertEquals(
          new HashSet<>(allAfter), new HashSet<>(live), "/all/subscribe?after=<append>: " + live);
    }
  }

  @Test
  void anAppendPositionNotYetIndexedIsA503AfterTheTimeout() throws Exception {
    String category = unique("ahead");
    // the position of version 9 of a stream that has none: never indexed
    String ahead = new io.annals.node.log.Position.Append(category + "-1", 9).encode();
    http.get("/all?timeout=200ms&after=" + ahead).assertProblem(503, "not-yet-indexed");
    http.get("/categories/" + category + "?timeout=200ms&after=" + ahead)
        .assertProblem(503, "not-yet-indexed");
    http.get("/categories/" + category + "/subscribe?after=" + ahead, "Accept", "text/event-stream")
        .assertProblem(503, "not-yet-indexed");
  }

  @Test
  void afterEndStartsAtTheLogsEndNow() throws Exception {
    String category = unique("end");
    HttpJson.Response old = http.post("/streams/" + category + "-1", event("Old", "1"));
    String indexed = old.body().path("position").asText();
    assertEquals(
        200, http.get("/categories/" + category + "?timeout=10s&waitFor=" + indexed).status());
    JsonNode end = http.getRetrying503("/categories/" + category + "?after=end").body();
    assertTrue(end.path("events").isEmpty(), "nothing after the end: " + end);
    try (SseClient tail =
        new SseClient(baseUrl() + "/categories/" + category + "/subscribe?after=end")) {
      assertEquals("1000", tail.take(WAIT).retry());
      assertEquals(201, http.post("/streams/" + category + "-1", event("New", "2")).status());
      assertEquals("New", json(tail.events(1, WAIT).get(0)).path("type").asText());
    }
    assertEquals(
        List.of("New"),
        logFrom("/categories/" + category, end.path("next").asText()).stream()
            .map(e -> e.path("type").asText())
            .toList(),
        "the page's next is the end as a position");
  }

  /** Every event of {@code log} after {@code after} (from its start when null). */
  private List<JsonNode> logFrom(String log, String after) {
    List<JsonNode> out = new ArrayList<>();
    while (true) {
      JsonNode page =
          http.getRetrying503(log + "?limit=1000" + (after == null ? "" : "&after=" + after))
              .body();
      if (page.path("events").isEmpty()) {
        return out;
      }
      page.path("events").forEach(out::add);
      after = page.path("next").asText();
    }
  }

  /** The ids of the events of streams of categories {@code a} or {@code b} among {@code events}. */
  private static List<String> idsOf(List<JsonNode> events, String a, String b) {
    return events.stream()
        .filter(
            e -> {
              String s = e.path("stream").asText();
              return s.startsWith(a + "-") || s.startsWith(b + "-") || s.equals(a) || s.equals(b);
            })
        .map(e -> e.path("id").asText())
        .toList();
  }

  private void appendRoundRobin(String category, int streams, int n, AtomicInteger counter) {
    List<CompletableFuture<HttpJson.Response>> inFlight = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int seq = counter.getAndIncrement();
      inFlight.add(
          http.postAsync(
              "/streams/" + category + "-" + (seq % streams),
              event("Ticked", "{\"seq\":" + seq + "}")));
      if (inFlight.size() == 16) {
        inFlight.forEach(f -> assertEquals(201, f.join().status()));
        inFlight.clear();
      }
    }
    inFlight.forEach(f -> assertEquals(201, f.join().status()));
  }

  private List<String> categoryIds(String category) {
    List<String> ids = new ArrayList<>();
    String after = null;
    while (true) {
      JsonNode page =
          http.getRetrying503(
                  "/categories/"
                      + category
                      + "?limit=1000"
                      + (after == null ? "" : "&after=" + after))
              .body();
      if (page.path("events").isEmpty()) {
        return ids;
      }
      page.path("events").forEach(e -> ids.add(e.path("id").asText()));
      after = page.path("next").asText();
    }
  }

  private static JsonNode json(SseClient.Message m) {
    try {
      return HttpJson.MAPPER.readTree(m.data());
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + m.data(), e);
    }
  }

  private static List<String> ids(List<SseClient.Message> messages) {
    return messages.stream().map(m -> json(m).path("id").asText()).toList();
  }

  private static void assertPerStreamOrder(
      List<SseClient.Message> messages, int streams, long perStream) {
    Map<String, Long> last = new HashMap<>();
    for (SseClient.Message m : messages) {
      JsonNode e = json(m);
      String stream = e.path("stream").asText();
      long version = e.path("version").asLong();
      assertEquals(last.getOrDefault(stream, 0L) + 1, version, stream + " in order, no gap");
      assertNull(m.event(), "no event: line by default, so EventSource.onmessage gets it");
      last.put(stream, version);
    }
    assertEquals(streams, last.size());
    last.forEach((s, v) -> assertEquals(perStream, v, s));
  }

  /**
   * Subscribing to {@code url} with the id of message k of {@code messages} as Last-Event-ID gives
   * exactly the messages after k, for each k of {@code resumeAfter}.
   */
  private static void assertResumesAfter(
      String url, List<SseClient.Message> messages, int... resumeAfter) throws Exception {
    for (int k : resumeAfter) {
      try (SseClient again = new SseClient(url, messages.get(k).id(), 100_000)) {
        assertEquals(
            ids(messages.subList(k + 1, messages.size())),
            ids(again.events(messages.size() - 1 - k, WAIT)),
            "resumed after message " + k);
      }
    }
  }

  /** Each stream's event ids in the order the messages gave them. */
  private static Map<String, List<String>> byStream(List<SseClient.Message> messages) {
    Map<String, List<String>> out = new HashMap<>();
    for (SseClient.Message m : messages) {
      JsonNode e = json(m);
      out.computeIfAbsent(e.path("stream").asText(), s -> new ArrayList<>())
          .add(e.path("id").asText());
    }
    return out;
  }

  private static void assertNoMoreEvents(SseClient c, Duration quiet) throws InterruptedException {
    long deadline = System.nanoTime() + quiet.toNanos();
    while (System.nanoTime() < deadline) {
      SseClient.Message m = c.take(Duration.ofMillis(200));
      assertTrue(m == null || m.data() == null, () -> "an unexpected event: " + m);
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
