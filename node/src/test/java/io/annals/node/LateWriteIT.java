package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A journal write that times out and reaches Cassandra only after the stream has recovered and
 * acknowledged the next append (made deterministic by {@link LateWriteProxy}, which holds that one
 * write between the node and Cassandra): the acknowledged append keeps its version in every read —
 * the stream, its category, {@code /all}, the stream's recovery on a restarted node — the late
 * write is visible nowhere, and a retry of it is decided against what the stream holds.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LateWriteIT {
  // the driver gives up on a journal write after 3 s; the stream then recovers after 3 s more
  private static final Duration HOLD = Duration.ofSeconds(10);
  private static final Duration HOLD_UNTIL_BEFORE_RECOVERY = Duration.ofMillis(4500);
  private LateWriteProxy proxy;
  private Config config;
  private AnnalsNode node;
  private HttpJson http;

  @BeforeAll
  void start() throws Exception {
    Assumptions.assumeTrue(RealCassandra.externalNode().isEmpty(), "needs its own node");
    proxy = new LateWriteProxy(RealCassandra.contactPoint());
    // the proxy reads native protocol v4 frames
    config =
        ConfigFactory.parseString(
                """
                datastax-java-driver.advanced.protocol.version = V4
                annals.stream.min-backoff = 3s
                # small journal partitions: the late write of the first test is the first row of
                # the stream's second partition, where the seal must find it
                pekko.persistence.cassandra.journal.target-partition-size = 100
                """)
            .withFallback(RealCassandra.nodeConfig("late_write_p1_it", proxy.contactPoint()));
    node = AnnalsNode.start(config, Duration.ofMinutes(2));
    http = new HttpJson(node.baseUrl());
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aTimedOutWriteThatLandsLateNeverReplacesTheAppendAcknowledgedAfterIt() throws Exception {
    String s = "account-" + UUID.randomUUID();
    assertEquals(201, http.post("/streams/" + s, hundredEvents()).status());

    String marker = "late-" + UUID.randomUUID();
    String late = append(100, "late", marker);
    LateWriteProxy.Delayed delayed = proxy.delayNext(marker, HOLD);
    CompletableFuture<HttpJson.Response> timedOut = http.postAsync("/streams/" + s, late);
    assertTrue(delayed.awaitHeld(Duration.ofSeconds(10)), "the write went through the proxy");
    HttpJson.Response first = timedOut.get();
    assertEquals(503, first.status(), () -> "the held write times out: " + first.raw());

    // the stream recovers (the late write is not in Cassandra yet) and takes the next append
    HttpJson.Response acked = appendUntilNot503(s, append(100, "acknowledged", "second"));
    assertEquals(201, acked.status(), acked::raw);
    assertEquals(101, acked.body().path("firstVersion").asLong());
    String position = acked.body().path("position").asText();

    assertTrue(delayed.awaitSent(Duration.ofSeconds(30)), "the proxy sent the late write on");
    Thread.sleep(1000); // Cassandra has applied it (a group commit window is 2 ms)

    assertStreamHoldsTheAcknowledgedAppend(s, position, marker);

    // a retry of the timed-out append is decided against the stream as it is: its version is taken
    HttpJson.Response retry = http.post("/streams/" + s, late);
    JsonNode problem = retry.assertProblem(409, "wrong-expected-version");
    assertEquals(101, problem.path("actualVersion").asLong());

    // a node started afresh recovers the stream from the journal and agrees with every read
    node.close();
    node = AnnalsNode.start(config, Duration.ofMinutes(2));
    http = new HttpJson(node.baseUrl());
    assertStreamHoldsTheAcknowledgedAppend(s, position, marker);
    HttpJson.Response next = http.post("/streams/" + s, append(101, "after-restart", "third"));
    assertEquals(201, next.status(), next::raw);
    assertEquals(102, next.body().path("firstVersion").asLong(), "recovery saw version 101 once");
    HttpJson.Response again =
        http.post(
            "/streams/" + s, late.replace("\"expectedVersion\":100", "\"expectedVersion\":102"));
    assertEquals(
        201, again.status(), () -> "the late write's ids are new to the stream: " + again.raw());
    assertEquals(103, again.body().path("firstVersion").asLong());
  }

  @Test
  void aTimedOutWriteThatLandedBeforeTheStreamRecoveredIsAnsweredAsWrittenWhenRetried()
      throws Exception {
    String s = "wallet-" + UUID.randomUUID();
    assertEquals(201, http.post("/streams/" + s, append(0, "opened", "w-first")).status());
    String marker = "landed-" + UUID.randomUUID();
    String indeterminate = append(1, "landed", marker);
    LateWriteProxy.Delayed delayed = proxy.delayNext(marker, HOLD_UNTIL_BEFORE_RECOVERY);
    HttpJson.Response first = http.post("/streams/" + s, indeterminate);
    assertTrue(delayed.awaitHeld(Duration.ofSeconds(1)), "the write went through the proxy");
    assertEquals(503, first.status(), () -> "the held write times out: " + first.raw());
    assertTrue(delayed.awaitSent(Duration.ofSeconds(30)), "the proxy sent the write on");

    HttpJson.Response retry = appendUntilNot503(s, indeterminate);
    assertEquals(200, retry.status(), () -> "the write landed: its original answer " + retry.raw());
    assertEquals(2, retry.body().path("firstVersion").asLong());
    List<JsonNode> stream = http.readAllPages("/streams/" + s);
    assertEquals(2, stream.size(), () -> "the write is stored once: " + stream);
    assertEquals("landed", stream.get(1).path("type").asText());
    HttpJson.Response conflicting = http.post("/streams/" + s, append(1, "other", "w-other"));
    assertEquals(
        2, conflicting.assertProblem(409, "wrong-expected-version").path("actualVersion").asLong());
  }

  @Test
  void aJournalFailureInAStreamOfAppendsFailsTheAppendsBehindItAndNothingAfterSucceeds()
      throws Exception {
    String s = "ledger-" + UUID.randomUUID();
    String marker = "stalled-" + UUID.randomUUID();
    StringBuilder ndjson = new StringBuilder();
    for (int n = 1; n <= 30; n++) {
      ndjson.append(append(n - 1, "Step", n == 10 ? marker : s + "-" + n)).append('\n');
    }
    LateWriteProxy.Delayed delayed = proxy.delayNext(marker, HOLD);
    java.net.http.HttpResponse<java.util.stream.Stream<String>> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(http.base() + "/streams/" + s + "/append-stream"))
                    .header("Content-Type", "application/x-ndjson")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(ndjson.toString()))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines());
    List<JsonNode> answers = new java.util.ArrayList<>();
    for (String line : r.body().toList()) {
      answers.add(HttpJson.MAPPER.readTree(line));
    }
    assertTrue(delayed.awaitHeld(Duration.ofSeconds(1)), "line 10's write went through the proxy");
    assertEquals(30, answers.size());
    int acknowledged = 0;
    while (acknowledged < 30 && answers.get(acknowledged).path("status").asInt() == 201) {
      acknowledged++;
    }
    assertTrue(acknowledged < 10, "line 10 is not acknowledged: " + answers.get(9));
    for (JsonNode a : answers.subList(acknowledged, 30)) {
      int status = a.path("status").asInt();
      assertTrue(status == 503 || status == 409, () -> "nothing succeeds after a failure: " + a);
    }
    assertTrue(delayed.awaitSent(Duration.ofSeconds(30)), "the proxy sent the write on");
    Thread.sleep(1000);
    int prefix = acknowledged;
    List<JsonNode> stored =
        http.get("/streams/" + s).status() == 404 ? List.of() : http.readAllPages("/streams/" + s);
    assertEquals(prefix, stored.size(), () -> "the acknowledged prefix only: " + stored);
    HttpJson.Response next = appendUntilNot503(s, append(acknowledged, "After", s + "-after"));
    assertEquals(201, next.status(), next::raw);
    assertEquals(acknowledged + 1, next.body().path("firstVersion").asLong());
    assertTrue(
        http.readAllPages("/streams/" + s).stream().noneMatch(e -> e.toString().contains(marker)),
        "the stalled write is hidden");
  }

  private void assertStreamHoldsTheAcknowledgedAppend(String s, String position, String marker) {
    List<JsonNode> stream = http.readAllPages("/streams/" + s + "?limit=1000");
    assertEquals(101, stream.size(), () -> "versions 1 to 101 only: " + stream);
    assertEquals("acknowledged", stream.get(100).path("type").asText(), () -> "v101: " + stream);
    assertEquals(101, stream.get(100).path("version").asLong());
    String category = s.substring(0, s.indexOf('-'));
    for (String log : List.of("/all", "/categories/" + category)) {
      http.getRetrying503(log + "?waitFor=" + position + "&timeout=10s&limit=1");
      List<JsonNode> ofStream =
          http.readLog(log).stream().filter(e -> e.path("stream").asText().equals(s)).toList();
      assertEquals(101, ofStream.size(), () -> log + " holds the stream's events: " + ofStream);
      assertEquals("acknowledged", ofStream.get(100).path("type").asText(), log);
      assertTrue(ofStream.stream().noneMatch(e -> e.toString().contains(marker)), log);
    }
    assertTrue(stream.stream().noneMatch(e -> e.toString().contains(marker)), "late write hidden");
  }

  private static String hundredEvents() {
    StringBuilder events = new StringBuilder();
    for (int i = 1; i <= 100; i++) {
      events.append(i == 1 ? "" : ",").append("{\"type\":\"opened\",\"data\":" + i + "}");
    }
    return "{\"expectedVersion\":0,\"events\":[" + events + "]}";
  }

  private static String append(long expected, String type, String text) {
    return "{\"expectedVersion\":%d,\"events\":[{\"id\":\"%s\",\"type\":\"%s\",\"data\":{\"text\":\"%s\"}}]}"
        .formatted(expected, UUID.nameUUIDFromBytes(text.getBytes()), type, text);
  }

  private HttpJson.Response appendUntilNot503(String stream, String body)
      throws InterruptedException {
    return http.postUntilNot503(
        "/streams/" + stream, body, Duration.ofMillis(200), Duration.ofSeconds(30));
  }
}
