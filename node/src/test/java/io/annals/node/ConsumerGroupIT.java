package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Consumer groups on a real node and Cassandra: three consumers share a category exactly once and
 * in per-stream order (pinned); a consumer that leaves with events in flight hands them to the
 * others; an event nacked until its attempts run out is parked, readable and replayable; bad input
 * gets problems naming what is wrong.
 */
class ConsumerGroupIT extends OneNodeIT {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @Override
  protected String keyspace() {
    return "consumer_group_it";
  }

  @Override
  protected String nodeOverrides() {
    return "annals.subscriptions.heartbeat = 1s\nannals.groups.heartbeat = 500ms";
  }

  private void ack(String group, List<String> ids) {
    HttpJson.Response r = http.post("/groups/" + group + "/ack", GroupConsumer.ids(ids, null));
    assertEquals(200, r.status(), r.raw());
  }

  private GroupConsumer consumer(String group, boolean acking) throws Exception {
    return new GroupConsumer(baseUrl(), group, acking);
  }

  private void fill(String category, int streams, int events) {
    for (int s = 0; s < streams; s++) {
      StringBuilder body = new StringBuilder("{\"events\":[");
      for (int v = 1; v <= events; v++) {
        body.append(v == 1 ? "" : ",")
            .append("{\"type\":\"Step\",\"data\":{\"v\":")
            .append(v)
            .append("}}");
      }
      HttpJson.Response r =
          http.post("/streams/" + category + "-" + s, body.append("]}").toString());
      assertEquals(201, r.status(), r.raw());
    }
  }

  private void createGroup(String group, String settings) {
    HttpJson.Response r = put("/groups/" + group, settings);
    assertEquals(201, r.status(), r.raw());
  }

  private HttpJson.Response put(String path, String body) {
    return http.put(path, body);
  }

  private JsonNode info(String group) {
    HttpJson.Response r = http.get("/groups/" + group);
    assertEquals(200, r.status(), r.raw());
    return r.body();
  }

  private void await(String what, java.util.function.BooleanSupplier done) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!done.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(50);
    }
  }

  @Test
  void threeConsumersShareACategoryExactlyOnceAndInStreamOrder() throws Exception {
    String category = "share" + System.nanoTime() % 100000;
    fill(category, 200, 50);
    createGroup("share", "{\"source\":{\"category\":\"" + category + "\"},\"maxInFlight\":100}");
    List<GroupConsumer> consumers = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        consumers.add(consumer("share", true));
      }
      await(
          "10,000 deliveries",
          () -> consumers.stream().mapToInt(c -> c.received.size()).sum() >= 10_000);
      await(
          "the checkpoint to take every ack",
          () ->
              info("share").path("lag").asLong() == 0
                  && info("share").path("inFlight").asInt() == 0
                  && info("share").path("buffered").asInt() == 0);
      Thread.sleep(500);
      Map<String, Integer> deliveries = new ConcurrentHashMap<>();
      Map<String, Set<Integer>> consumersOfStream = new ConcurrentHashMap<>();
      for (int c = 0; c < consumers.size(); c++) {
        Map<String, Long> lastVersion = new java.util.HashMap<>();
        for (JsonNode e : consumers.get(c).received) {
          String id = e.path("stream").asText() + "/" + e.path("version").asLong();
          deliveries.merge(id, 1, Integer::sum);
          consumersOfStream
              .computeIfAbsent(e.path("stream").asText(), s -> ConcurrentHashMap.newKeySet())
              .add(c);
          long before = lastVersion.getOrDefault(e.path("stream").asText(), 0L);
          assertEquals(before + 1, e.path("version").asLong(), "version order in " + e);
          lastVersion.put(e.path("stream").asText(), e.path("version").asLong());
          assertEquals(1, e.path("attempt").asInt(), "nobody failed: first deliveries only");
        }
      }
      assertEquals(10_000, deliveries.size(), "every event delivered");
      assertTrue(deliveries.values().stream().allMatch(n -> n == 1), "exactly once");
      assertTrue(
          consumersOfStream.values().stream().allMatch(s -> s.size() == 1),
          "each stream reached one consumer");
      assertTrue(
          consumers.stream().allMatch(c -> c.received.size() > 1000),
          "the work was shared: " + consumers.stream().map(c -> c.received.size()).toList());
      JsonNode shown = info("share");
      assertEquals(0, shown.path("redeliveries").asInt(), shown.toString());
      assertEquals(3, shown.path("consumers").asInt(), shown.toString());
      String metrics =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/metrics"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(metrics.contains("annals_group_consumers{group=\"share\"} 3.0"), metrics);
      assertTrue(metrics.contains("annals_group_in_flight{group=\"share\"} 0.0"), metrics);
      assertTrue(metrics.contains("annals_group_lag{group=\"share\"}"), metrics);
    } finally {
      consumers.forEach(GroupConsumer::close);
    }
  }

  @Test
  void eventsInFlightToAConsumerThatLeavesGoToTheOthers() throws Exception {
    String category = "leave" + System.nanoTime() % 100000;
    fill(category, 20, 10);
    createGroup(
        "leave",
        "{\"source\":{\"category\":\""
            + category
            + "\"},\"maxInFlight\":30,"
            + "\"strategy\":\"round-robin\"}");
    GroupConsumer silent = consumer("leave", false);
    await("the silent consumer to hold its 30", () -> silent.received.size() == 30);
    Set<String> held = new java.util.HashSet<>();
    silent.received.forEach(e -> held.add(e.path("position").asText()));
    try (GroupConsumer worker = consumer("leave", true)) {
      silent.close();
      await(
          "all 200 acked",
          () ->
              info("leave").path("lag").asLong() == 0
                  && info("leave").path("buffered").asInt() == 0);
      Set<String> redelivered = new java.util.HashSet<>();
      worker.received.stream()
          .filter(e -> e.path("attempt").asInt() > 1)
          .forEach(e -> redelivered.add(e.path("position").asText()));
      assertEquals(held, redelivered, "what the leaver held went to the other, again");
      Set<String> all = new java.util.HashSet<>();
      worker.received.forEach(
          e -> all.add(e.path("stream").asText() + "/" + e.path("version").asText()));
      assertEquals(200, all.size(), "none lost");
    }
  }

  @Test
  void anEventNackedUntilItsAttemptsRunOutIsParkedReadableAndReplayable() throws Exception {
    String category = "park" + System.nanoTime() % 100000;
    fill(category, 1, 1);
    createGroup("park", "{\"source\":{\"category\":\"" + category + "\"},\"maxAttempts\":3}");
    try (GroupConsumer c = consumer("park", false)) {
      for (int attempt = 1; attempt <= 3; attempt++) {
        int n = attempt;
        await("delivery " + n, () -> c.received.size() == n);
        JsonNode e = c.received.get(n - 1);
        assertEquals(n, e.path("attempt").asInt());
        HttpJson.Response r =
            http.post(
                "/groups/park/nack",
                GroupConsumer.ids(List.of(e.path("position").asText()), "retry"));
        assertEquals(200, r.status(), r.raw());
        assertEquals(
            n < 3 ? "retry" : "parked",
            r.body().path("results").path(e.path("position").asText()).asText(),
            r.raw());
      }
      JsonNode parked = http.get("/groups/park/parked").body().path("parked");
      assertEquals(1, parked.size(), parked.toString());
      assertEquals(category + "-0", parked.get(0).path("stream").asText());
      assertTrue(parked.get(0).path("reason").asText().contains("3 deliveries"), parked.toString());
      assertEquals(200, http.get(parked.get(0).path("event").asText()).status(), "readable");
      assertEquals(1, info("park").path("parked").asInt());

      HttpJson.Response replay = http.post("/groups/park/parked/replay", "{}");
      assertEquals(202, replay.status(), replay.raw());
      await("the replayed delivery", () -> c.received.size() == 4);
      ack("park", List.of(c.received.get(3).path("position").asText()));
      await("the parked list to empty", () -> info("park").path("parked").asInt() == 0);
    }
  }

  @Test
  void acksTakenBeforeAGracefulStopAreKeptThroughTheRestart() throws Exception {
    assumeInProcessNode();
    com.typesafe.config.Config config =
        com.typesafe.config.ConfigFactory.parseString(nodeOverrides())
            .withFallback(RealCassandra.nodeConfig("consumer_group_restart_it"));
    String category = "restart" + System.nanoTime() % 100000;
    String checkpoint;
    try (AnnalsNode first = AnnalsNode.start(config, WAIT)) {
      HttpJson one = new HttpJson(first.baseUrl());
      for (int s = 0; s < 5; s++) {
        assertEquals(
            201, one.post("/streams/" + category + "-" + s, HttpJson.event("Step", "1")).status());
      }
      // a checkpoint only when the group stops: every 100,000 acks or 10 minutes
      assertEquals(
          201,
          one.put(
                  "/groups/kept",
                  "{\"source\":{\"category\":\""
                      + category
                      + "\"},"
                      + "\"checkpointEvery\":100000,\"checkpointAfter\":\"10m\"}")
              .status());
      try (GroupConsumer c = new GroupConsumer(first.baseUrl(), "kept", true)) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (c.acked.size() < 5) {
          assertTrue(System.nanoTime() < deadline, "5 acks");
          Thread.sleep(20);
        }
        checkpoint = c.received.get(4).path("position").asText();
      }
      assertFalse(
          checkpoint.equals(one.get("/groups/kept").body().path("checkpoint").asText()),
          "not persisted yet");
    }
    try (AnnalsNode second = AnnalsNode.start(config, WAIT);
        GroupConsumer c = new GroupConsumer(second.baseUrl(), "kept", true)) {
      HttpJson two = new HttpJson(second.baseUrl());
      assertEquals(checkpoint, two.get("/groups/kept").body().path("checkpoint").asText());
      assertEquals(
          201, two.post("/streams/" + category + "-9", HttpJson.event("Step", "1")).status());
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (c.received.isEmpty()) {
        assertTrue(System.nanoTime() < deadline, "the new event");
        Thread.sleep(20);
      }
      Thread.sleep(500);
      assertEquals(1, c.received.size(), "nothing acked before the stop came again");
      assertEquals(category + "-9", c.received.get(0).path("stream").asText());
    }
  }

  @Test
  void badInputIsRefusedNamingWhatIsWrong() {
    http.get("/groups/nope").assertProblem(404, "group-not-found");
    http.post("/groups/nope/ack", "{\"ids\":[\"x\"]}").assertProblem(404, "group-not-found");
    JsonNode bad =
        put("/groups/bad", "{\"source\":\"$all\",\"maxInFlight\":0}")
            .assertProblem(400, "invalid-request");
    assertTrue(bad.path("detail").asText().contains("maxInFlight"), bad.toString());
    bad =
        put("/groups/bad", "{\"source\":\"$all\",\"ackTimeout\":\"soon\"}")
            .assertProblem(400, "invalid-request");
    assertTrue(bad.path("detail").asText().contains("ackTimeout"), bad.toString());
    bad =
        put("/groups/bad", "{\"source\":{\"category\":\"a-b\"}}")
            .assertProblem(400, "invalid-category");
    bad =
        put("/groups/bad", "{\"source\":\"$all\",\"colour\":1}")
            .assertProblem(400, "invalid-request");
    assertTrue(bad.path("detail").asText().contains("colour"), bad.toString());
    bad =
        put("/groups/bad", "{\"source\":\"$all\",\"start\":\"yesterday\"}")
            .assertProblem(400, "invalid-request");
    assertTrue(bad.path("detail").asText().contains("start"), bad.toString());
    put("/groups/b%20d", "{\"source\":\"$all\"}").assertProblem(400, "invalid-group-name");
    assertEquals(404, http.get("/groups/bad").status(), "nothing was created");

    createGroup("acks", "{\"source\":\"$all\",\"start\":\"end\"}");
    HttpJson.Response r = http.post("/groups/acks/ack", "{\"ids\":[\"nope\",\"cwEA\"]}");
    assertEquals(200, r.status(), r.raw());
    assertEquals("unknown", r.body().path("results").path("nope").asText());
    assertEquals("unknown", r.body().path("results").path("cwEA").asText());
    http.post("/groups/acks/nack", "{\"ids\":[\"x\"],\"action\":\"maybe\"}")
        .assertProblem(400, "invalid-request");
    http.post("/groups/acks/ack", "{\"ids\":[]}").assertProblem(400, "invalid-request");
    put("/groups/acks", "{\"source\":{\"category\":\"other\"}}").assertProblem(409, "group-exists");
    assertEquals(
        200,
        put("/groups/acks", "{\"source\":\"$all\",\"start\":\"end\",\"maxInFlight\":7}").status());
    assertEquals(7, info("acks").path("maxInFlight").asInt());
    JsonNode listed = http.get("/groups").body().path("groups");
    assertTrue(listed.toString().contains("\"acks\""), listed.toString());
    assertEquals(204, http.send("DELETE", "/groups/acks").status());
    assertEquals(404, http.get("/groups/acks").status());
    assertFalse(http.get("/groups").body().toString().contains("\"acks\""));
  }
}
