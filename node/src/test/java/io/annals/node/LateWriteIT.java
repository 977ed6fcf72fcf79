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
                # every version in a journal partition of its own: the seal must find the
                # partition a late write lands in
                pekko.persistence.cassandra.journal.target-partition-size = 1
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
    assertEquals(201, http.post("/streams/" + s, append(0, "opened", "first")).status());

    String marker = "late-" + UUID.randomUUID();
    String late = append(1, "late", marker);
    LateWriteProxy.Delayed delayed = proxy.delayNext(marker, HOLD);
    CompletableFuture<HttpJson.Response> timedOut = http.postAsync("/streams/" + s, late);
    assertTrue(delayed.awaitHeld(Duration.ofSeconds(10)), "the write went through the proxy");
    HttpJson.Response first = timedOut.get();
    assertEquals(503, first.status(), () -> "the held write times out: " + first.raw());

    // the stream recovers (the late write is not in Cassandra yet) and takes the next append
    HttpJson.Response acked = appendUntilNot503(s, append(1, "acknowledged", "second"));
    assertEquals(201, acked.status(), acked::raw);
    assertEquals(2, acked.body().path("firstVersion").asLong());
    String position = acked.body().path("position").asText();

    assertTrue(delayed.awaitSent(Duration.ofSeconds(30)), "the proxy sent the late write on");
    Thread.sleep(1000); // Cassandra has applied it (a group commit window is 2 ms)

    assertStreamHoldsTheAcknowledgedAppend(s, position, marker);

    // a retry of the timed-out append is decided against the stream as it is: its version is taken
    HttpJson.Response retry = http.post("/streams/" + s, late);
    JsonNode problem = retry.assertProblem(409, "wrong-expected-version");
    assertEquals(2, problem.path("actualVersion").asLong());

    // a node started afresh recovers the stream from the journal and agrees with every read
    node.close();
    node = AnnalsNode.start(config, Duration.ofMinutes(2));
    http = new HttpJson(node.baseUrl());
    assertStreamHoldsTheAcknowledgedAppend(s, position, marker);
    HttpJson.Response next = http.post("/streams/" + s, append(2, "after-restart", "third"));
    assertEquals(201, next.status(), next::raw);
    assertEquals(3, next.body().path("firstVersion").asLong(), "recovery saw version 2 once");
    HttpJson.Response again =
        http.post("/streams/" + s, late.replace("\"expectedVersion\":1", "\"expectedVersion\":3"));
    assertEquals(
        201, again.status(), () -> "the late write's ids are new to the stream: " + again.raw());
    assertEquals(4, again.body().path("firstVersion").asLong());
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

  private void assertStreamHoldsTheAcknowledgedAppend(String s, String position, String marker) {
    List<JsonNode> stream = http.readAllPages("/streams/" + s);
    assertEquals(2, stream.size(), () -> "versions 1 and 2 only: " + stream);
    assertEquals("acknowledged", stream.get(1).path("type").asText(), () -> "version 2: " + stream);
    assertEquals(2, stream.get(1).path("version").asLong());
    String category = s.substring(0, s.indexOf('-'));
    for (String log : List.of("/all", "/categories/" + category)) {
      http.getRetrying503(log + "?waitFor=" + position + "&timeout=10s&limit=1");
      List<JsonNode> ofStream =
          http.readLog(log).stream().filter(e -> e.path("stream").asText().equals(s)).toList();
      assertEquals(2, ofStream.size(), () -> log + " holds the stream's two events: " + ofStream);
      assertEquals("acknowledged", ofStream.get(1).path("type").asText(), log);
      assertTrue(ofStream.stream().noneMatch(e -> e.toString().contains(marker)), log);
    }
    assertTrue(stream.stream().noneMatch(e -> e.toString().contains(marker)), "late write hidden");
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
