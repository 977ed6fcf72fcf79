package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The contract's "Append" and "Multi-stream write" sections, over HTTP on a real Cassandra. */
class AppendIT extends OneNodeIT {
  @Override
  protected String keyspace() {
    return "append_it";
  }

  private static String stream() {
    return "order-" + UUID.randomUUID();
  }

  private long version(String stream) {
    HttpJson.Response r = http.get("/streams/" + stream);
    return r.status() == 404 ? 0 : r.body().path("version").asLong();
  }

  @Test
  void createsStreamAndAnswers201WithEtagAndLocation() {
    String s = stream();
    String id = UUID.randomUUID().toString();
    HttpJson.Response r =
        http.post(
            "/streams/" + s,
            "{\"expectedVersion\":0,\"events\":[{\"id\":\""
                + id
                + "\",\"type\":\"Said\",\"data\":{\"a\":1}}]}");
    assertEquals(201, r.status());
    assertEquals("\"1\"", r.header("ETag"));
    assertEquals("/streams/" + s + "/1", r.header("Location"));
    assertEquals(s, r.body().path("stream").asText());
    assertEquals(1, r.body().path("firstVersion").asLong());
    assertEquals(1, r.body().path("lastVersion").asLong());
    assertEquals(1, r.body().path("transaction").asLong());
    assertEquals(id, r.body().path("events").get(0).path("id").asText());
    assertFalse(r.body().path("events").get(0).path("deduplicated").asBoolean());
    assertEquals(1, version(s));
  }

  @Test
  void acceptsSingleEventObjectAndBareArrayAndGeneratesIds() {
    String s = stream();
    HttpJson.Response single = http.post("/streams/" + s, event("One", "\"a string\""));
    HttpJson.Response array =
        http.post("/streams/" + s, "[" + event("Two", "2") + "," + event("Three", "[3]") + "]");
    assertEquals(201, single.status());
    assertEquals(201, array.status());
    assertEquals(2, array.body().path("firstVersion").asLong());
    assertEquals(3, array.body().path("lastVersion").asLong());
    assertEquals(2, array.body().path("transaction").asLong());
    UUID.fromString(single.body().path("events").get(0).path("id").asText());
    JsonNode events = http.get("/streams/" + s).body().path("events");
    assertEquals("\"a string\"", events.get(0).path("data").toString(), "a string stays a string");
    assertEquals("[3]", events.get(2).path("data").toString());
    assertEquals(2, events.get(2).path("transaction").asLong());
  }

  @Test
  void keepsDataExactlyAsSent() {
    String s = stream();
    String data =
        "{\"price\":1.10,\"big\":12345678901234567890,\"nested\":{\"x\":[true,null,\"\\u00e9\"]},\"s\":\"{\\\"json\\\":1}\"}";
    http.post(
        "/streams/" + s,
        "{\"type\":\"Priced\",\"schemaVersion\":3,\"key\":\"k\",\"data\":"
            + data
            + ",\"metadata\":{\"c\":\"1\"}}");
    HttpJson.Response read = http.get("/streams/" + s + "/1");
    JsonNode e = read.body();
    assertTrue(read.raw().contains("\"price\":1.10,\"big\":12345678901234567890,"), read.raw());
    assertEquals("{\"json\":1}", e.path("data").path("s").asText());
    assertEquals("é", e.path("data").path("nested").path("x").get(2).asText());
    assertEquals(3, e.path("schemaVersion").asInt());
    assertEquals("k", e.path("key").asText());
    assertEquals("1", e.path("metadata").path("c").asText());
  }

  @Test
  void rejectsWrongExpectedVersionWithBothVersions() {
    String s = stream();
    http.post("/streams/" + s, event("A", "1"));
    JsonNode p =
        http.post("/streams/" + s, "{\"expectedVersion\":0,\"events\":[" + event("B", "1") + "]}")
            .assertProblem(409, "wrong-expected-version");
    assertEquals(0, p.path("expectedVersion").asLong());
    assertEquals(1, p.path("actualVersion").asLong());
    assertTrue(p.path("detail").asText().contains(s));
    assertEquals(1, version(s), "nothing written");
  }

  @Test
  void appliesAnyAndExistsExpectations() {
    String s = stream();
    http.post(
            "/streams/" + s,
            "{\"expectedVersion\":\"exists\",\"events\":[" + event("A", "1") + "]}")
        .assertProblem(409, "wrong-expected-version");
    assertEquals(
        201,
        http.post(
                "/streams/" + s,
                "{\"expectedVersion\":\"any\",\"events\":[" + event("A", "1") + "]}")
            .status());
    assertEquals(
        201,
        http.post(
                "/streams/" + s,
                "{\"expectedVersion\":\"exists\",\"events\":[" + event("B", "1") + "]}")
            .status());
    assertEquals(2, version(s));
  }

  @Test
  void takesExpectedVersionFromIfMatch() {
    String s = stream();
    http.post("/streams/" + s, event("A", "1"));
    assertEquals(201, http.post("/streams/" + s, event("B", "2"), "If-Match", "\"1\"").status());
    JsonNode p =
        http.post("/streams/" + s, event("C", "3"), "If-Match", "\"1\"")
            .assertProblem(409, "wrong-expected-version");
    assertEquals(2, p.path("actualVersion").asLong());
    http.post(
            "/streams/" + s,
            "{\"expectedVersion\":5,\"events\":[" + event("C", "3") + "]}",
            "If-Match",
            "\"2\"")
        .assertProblem(400, "invalid-request");
    assertEquals(2, version(s));
  }

  @Test
  void answersExactRetryWithOriginalResultEvenWhenExpectedVersionIsStale() {
    String s = stream();
    String body =
        "{\"expectedVersion\":0,\"events\":[{\"id\":\""
            + UUID.randomUUID()
            + "\",\"type\":\"A\",\"data\":1},{\"id\":\""
            + UUID.randomUUID()
            + "\",\"type\":\"B\",\"data\":2}]}";
    HttpJson.Response first = http.post("/streams/" + s, body);
    http.post("/streams/" + s, event("Later", "3"));
    HttpJson.Response retry = http.post("/streams/" + s, body);
    assertEquals(201, first.status());
    assertEquals(200, retry.status());
    assertEquals(first.body(), retry.body());
    assertEquals("\"2\"", retry.header("ETag"));
    assertEquals(3, version(s), "nothing written by the retry");
  }

  @Test
  void rejectsIdsThatPartlyMatchAnEarlierAppend() {
    String s = stream();
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();
    http.post(
        "/streams/" + s,
        "[{\"id\":\""
            + a
            + "\",\"type\":\"A\",\"data\":1},{\"id\":\""
            + b
            + "\",\"type\":\"B\",\"data\":2}]");
    http.post(
            "/streams/" + s,
            "[{\"id\":\""
                + a
                + "\",\"type\":\"A\",\"data\":1},{\"id\":\""
                + UUID.randomUUID()
                + "\",\"type\":\"C\",\"data\":3}]")
        .assertProblem(409, "idempotency-conflict");
    http.post("/streams/" + s, "[{\"id\":\"" + a + "\",\"type\":\"A\",\"data\":1}]")
        .assertProblem(409, "idempotency-conflict");
    http.post(
            "/streams/" + s,
            "[{\"id\":\""
                + b
                + "\",\"type\":\"A\",\"data\":1},{\"id\":\""
                + a
                + "\",\"type\":\"A\",\"data\":1}]")
        .assertProblem(409, "idempotency-conflict");
    assertEquals(2, version(s));
  }

  @Test
  void rejectsIdReusedWithOtherContent() {
    String s = stream();
    String a = UUID.randomUUID().toString();
    http.post("/streams/" + s, "{\"id\":\"" + a + "\",\"type\":\"A\",\"data\":1}");
    JsonNode p =
        http.post("/streams/" + s, "{\"id\":\"" + a + "\",\"type\":\"A\",\"data\":2}")
            .assertProblem(409, "idempotency-conflict");
    assertTrue(p.path("detail").asText().contains(a));
    assertEquals(1, version(s));
  }

  @Test
  void writesEachEntryOfMultiStreamWriteOnItsOwn() {
    String a = stream();
    String b = stream();
    HttpJson.Response r =
        http.post(
            "/streams",
            "{\"writes\":[{\"stream\":\""
                + a
                + "\",\"expectedVersion\":0,\"events\":["
                + event("A", "1")
                + "]},"
                + "{\"stream\":\""
                + b
                + "\",\"expectedVersion\":3,\"events\":["
                + event("B", "1")
                + "]},"
                + "{\"stream\":\"bad name\",\"events\":["
                + event("C", "1")
                + "]},"
                + "{\"stream\":\""
                + b
                + "\",\"expectedVersion\":0,\"events\":["
                + event("B", "1")
                + ","
                + event("B2", "2")
                + "]}]}");
    assertEquals(200, r.status());
    JsonNode results = r.body().path("results");
    assertEquals(4, results.size());
    assertEquals(201, results.get(0).path("status").asInt());
    assertEquals(1, results.get(0).path("lastVersion").asLong());
    assertEquals(409, results.get(1).path("status").asInt());
    assertEquals("/problems/wrong-expected-version", results.get(1).path("type").asText());
    assertEquals(400, results.get(2).path("status").asInt());
    assertEquals(201, results.get(3).path("status").asInt());
    assertEquals(1, version(a));
    assertEquals(2, version(b));
  }

  @Test
  void rejectsMalformedMultiStreamWriteWithoutWriting() {
    http.post("/streams", "{\"writes\":{}}").assertProblem(400, "invalid-request");
    http.post("/streams", "[]").assertProblem(400, "invalid-request");
    assertNotNull(http.post("/streams", "{\"writes\":[]}").assertProblem(400, "invalid-request"));
  }
}
