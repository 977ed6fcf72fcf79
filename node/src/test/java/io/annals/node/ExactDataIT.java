package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.annals.api.ExpectedVersion;
import io.annals.node.stream.NewEvent;
import io.annals.node.stream.StreamEntity;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;

/**
 * Event data and metadata come back byte for byte as they were sent (issue 20: numbers were
 * rewritten, {@code -0} to {@code 0} and {@code 1e400} to {@code 1E+400}), in every read, and a
 * retry of an event stored before data was kept exactly is still recognised as the same event.
 */
class ExactDataIT extends OneNodeIT {
  private static final String DATA =
      "{\"a\": -0, \"b\": 1e400, \"c\": 1e-7, \"d\": [1.50, -0.0, 1E2]}";
  private static final String METADATA = "{ \"n\" :  -0 }";

  @Override
  protected String keyspace() {
    return "exact_data_it";
  }

  @Test
  void keepsDataAndMetadataExactlyAsSentInEveryRead() throws Exception {
    String stream = "exact-" + UUID.randomUUID();
    String body = "{\"type\":\"N\",\"data\":" + DATA + ",\"metadata\":" + METADATA + "}";
    var appended = http.post("/streams/" + stream, body);
    assertEquals(201, appended.status(), appended.raw());
    String position = appended.body().path("position").asText();
    String exact = "\"data\":" + DATA + ",\"metadata\":" + METADATA + ",";

    assertContains(http.get("/streams/" + stream).raw(), exact);
    assertContains(http.get("/streams/" + stream + "/1").raw(), exact);
    assertContains(http.get("/all?limit=1000&waitFor=" + position).raw(), exact);
    assertContains(http.get("/categories/exact?limit=1000&waitFor=" + position).raw(), exact);
    try (SseClient sse = new SseClient(http.base() + "/streams/" + stream + "/subscribe")) {
      assertContains(sse.events(1, Duration.ofSeconds(10)).get(0).data(), exact);
    }
  }

  @Test
  void keepsDataExactlyInMultiWritesAndBareArrays() {
    String stream = "exact-" + UUID.randomUUID();
    String event = "{\"type\":\"N\",\"data\":" + DATA + "}";
    assertEquals(
        200,
        http.post(
                "/streams",
                "{\"writes\":[{\"stream\":\"" + stream + "\",\"events\":[" + event + "]}]}")
            .status());
    assertEquals(201, http.post("/streams/" + stream, "[" + event + " , " + event + "]").status());
    String read = http.get("/streams/" + stream).raw();
    assertEquals(3, read.split(java.util.regex.Pattern.quote("\"data\":" + DATA), -1).length - 1);
  }

  @Test
  void sendsDataWithLineBreaksOnOneSseLine() throws Exception {
    String stream = "exact-" + UUID.randomUUID();
    String data = "{\r\n  \"a\": 1e-7,\n  \"s\": \"x\\ny\"\n}";
    assertEquals(
        201, http.post("/streams/" + stream, "{\"type\":\"N\",\"data\":" + data + "}").status());
    assertContains(http.get("/streams/" + stream).raw(), "\"data\":" + data + ",");
    try (SseClient sse = new SseClient(http.base() + "/streams/" + stream + "/subscribe")) {
      String line = sse.events(1, Duration.ofSeconds(10)).get(0).data();
      assertContains(line, "\"data\":{    \"a\": 1e-7,   \"s\": \"x\\ny\" },");
      assertEquals(1e-7, HttpJson.MAPPER.readTree(line).path("data").path("a").asDouble());
    }
  }

  /**
   * An event appended by a node of the previous release: its data stored compact ({@code -0} as
   * {@code 0}, {@code 1e400} as {@code 1E+400}) with no fingerprint. The client's retry, sent with
   * the same body as its first try, must still be that event (200), and an equal keyed event must
   * still be de-duplicated against it.
   */
  @Test
  void recognisesRetriesOfAnEventStoredBeforeDataWasKeptExactly() throws Exception {
    assumeInProcessNode();
    String stream = "exact-" + UUID.randomUUID();
    UUID id = UUID.randomUUID();
    String compact = "{\"a\":0,\"b\":1E+400,\"c\":1E-7}";
    NewEvent old = new NewEvent(id, "Old", 1, "k1", compact, null);
    Object reply =
        ClusterSharding.get(node.system())
            .entityRefFor(StreamEntity.TYPE_KEY, stream)
            .<StreamEntity.AppendReply>ask(
                r -> new StreamEntity.Append(ExpectedVersion.ANY, List.of(old), r),
                Duration.ofSeconds(10))
            .toCompletableFuture()
            .get(15, TimeUnit.SECONDS);
    assertTrue(reply instanceof StreamEntity.Appended, () -> "appended: " + reply);

    String sent = "{\"a\": -0, \"b\": 1e400, \"c\": 1e-7}";
    var retry =
        http.post(
            "/streams/" + stream,
            "{\"id\":\"" + id + "\",\"type\":\"Old\",\"key\":\"k1\",\"data\":" + sent + "}");
    assertEquals(200, retry.status(), retry.raw());
    assertEquals(1, retry.body().path("lastVersion").asLong());

    var same =
        http.post(
            "/streams/" + stream,
            "{\"type\":\"Old\",\"key\":\"k1\",\"data\":{\"a\":-0,\"b\":1e400,\"c\":1e-7}}");
    assertTrue(same.body().path("events").get(0).path("deduplicated").asBoolean(), same.raw());

    var other =
        http.post(
            "/streams/" + stream,
            "{\"id\":\"" + id + "\",\"type\":\"Old\",\"key\":\"k1\",\"data\":{\"a\":1}}");
    other.assertProblem(409, "idempotency-conflict");
    assertEquals(1, http.get("/streams/" + stream).body().path("version").asLong());
  }

  @Test
  void recognisesRetriesOfExactEventsSentWithOtherWhitespace() {
    String stream = "exact-" + UUID.randomUUID();
    UUID id = UUID.randomUUID();
    String first = "{\"id\":\"" + id + "\",\"type\":\"N\",\"data\":" + DATA + "}";
    assertEquals(201, http.post("/streams/" + stream, first).status());
    String again = "{\"id\":\"" + id + "\",\"type\":\"N\",\"data\":" + DATA.replace(" ", "") + "}";
    var retry = http.post("/streams/" + stream, again);
    assertEquals(200, retry.status(), retry.raw());
    assertContains(http.get("/streams/" + stream).raw(), "\"data\":" + DATA + ",");
  }

  /** Found by FuzzIT: an exponent beyond 9 digits was a 500; it is a 400 that changes nothing. */
  @Test
  void refusesNumbersWhoseExponentIsOutOfRange() {
    String stream = "exact-" + UUID.randomUUID();
    http.post(
            "/streams/" + stream,
            "{\"type\":\"N\",\"data\":{\"a\": 12e456789012345678901234567890}}")
        .assertProblem(400, "invalid-request");
    http.post(
            "/streams",
            "{\"writes\":[{\"stream\":\""
                + stream
                + "\",\"events\":[{\"type\":\"N\",\"data\":-1e-9999999999}]}]}")
        .assertProblem(400, "invalid-request");
    assertEquals(404, http.get("/streams/" + stream).status());
  }

  private static void assertContains(String text, String part) {
    assertTrue(text.contains(part), () -> "expected " + part + " in " + text);
  }
}
