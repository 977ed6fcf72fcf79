package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract's "Errors" section: every kind of bad input gets a 4xx application/problem+json
 * naming what is wrong, and the stream is unchanged afterwards.
 */
class BadInputIT extends OneNodeIT {
  private String stream;

  @Override
  protected String keyspace() {
    return "bad_input_it";
  }

  @BeforeEach
  void streamWithOneEvent() {
    stream = "cart-" + UUID.randomUUID();
    assertEquals(201, http.post("/streams/" + stream, event("Opened", "{}")).status());
  }

  @AfterEach
  void streamIsUnchanged() {
    assertEquals(1, http.get("/streams/" + stream).body().path("version").asLong());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"A\"}",
        "{\"data\":1}",
        "{\"type\":7,\"data\":1}",
        "{\"type\":\"\",\"data\":1}",
        "{\"type\":\"$invalidate\",\"data\":1}",
        "{\"type\":\"A\",\"data\":1,\"schemaVersion\":\"1\"}",
        "{\"type\":\"A\",\"data\":1,\"schemaVersion\":0}",
        "{\"type\":\"A\",\"data\":1,\"key\":7}",
        "{\"type\":\"A\",\"data\":1,\"metadata\":\"m\"}",
        "{\"type\":\"A\",\"data\":1,\"id\":\"not-a-uuid\"}",
        "{\"type\":\"A\",\"data\":1,\"id\":42}",
        "{\"type\":\"A\",\"data\":1,\"colour\":\"red\"}",
        "{\"expectedVersion\":\"1\",\"events\":[{\"type\":\"A\",\"data\":1}]}",
        "{\"expectedVersion\":-1,\"events\":[{\"type\":\"A\",\"data\":1}]}",
        "{\"expectedVersion\":1.5,\"events\":[{\"type\":\"A\",\"data\":1}]}",
        "{\"expectedVersion\":\"sometimes\",\"events\":[{\"type\":\"A\",\"data\":1}]}",
        "{\"events\":[]}",
        "{\"events\":{}}",
        "{\"events\":[{\"type\":\"A\",\"data\":1}],\"extra\":1}",
        "[]",
        "[1]",
        "\"text\"",
        "42"
      })
  void rejectsInvalidAppendBodiesNamingTheProblem(String body) {
    http.post("/streams/" + stream, body).assertProblem(400, "invalid-request");
  }

  @Test
  void rejectsTheSameIdTwiceInOneAppend() {
    String id = UUID.randomUUID().toString();
    String e = "{\"id\":\"" + id + "\",\"type\":\"A\",\"data\":1}";
    String detail =
        http.post("/streams/" + stream, "[" + e + "," + e + "]")
            .assertProblem(400, "invalid-request")
            .path("detail")
            .asText();
    assertTrue(detail.contains(id), detail);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{bad",
        "{\"type\":\"A\",\"data\":1} trailing",
        "",
        "{\"type\":\"A\",\"data\":tru}"
      })
  void rejectsMalformedJson(String body) {
    http.post("/streams/" + stream, body).assertProblem(400, "malformed-json");
  }

  @Test
  void rejectsWrongContentTypeWith415() {
    http.postRaw(
            "/streams/" + stream, "text/plain", event("A", "1").getBytes(StandardCharsets.UTF_8))
        .assertProblem(415, "unsupported-media-type");
  }

  @Test
  void rejectsBodiesOverTheLimitWith413() {
    String big = "{\"type\":\"A\",\"data\":\"" + "x".repeat(1_100_000) + "\"}";
    http.post("/streams/" + stream, big).assertProblem(413, "body-too-large");
  }

  @Test
  void rejectsInvalidStreamNames() {
    http.post("/streams/" + "x".repeat(201), event("A", "1"))
        .assertProblem(400, "invalid-stream-name");
    http.post("/streams/bad%20name", event("A", "1")).assertProblem(400, "invalid-stream-name");
    http.post("/streams/%24system", event("A", "1")).assertProblem(400, "invalid-stream-name");
    http.get("/streams/bad%2Fname").assertProblem(400, "invalid-stream-name");
  }

  @Test
  void rejectsInvalidIfMatch() {
    http.post("/streams/" + stream, event("A", "1"), "If-Match", "W/\"1\"")
        .assertProblem(400, "invalid-request");
    http.post("/streams/" + stream, event("A", "1"), "If-Match", "one")
        .assertProblem(400, "invalid-request");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"limit=0", "limit=1001", "limit=ten", "from=0", "from=-3", "direction=sideways"})
  void rejectsReadParametersOutOfRange(String query) {
    http.get("/streams/" + stream + "?" + query).assertProblem(400, "invalid-query-parameter");
  }

  @Test
  void answersUnknownPathsAndMethodsWithProblems() {
    http.get("/no/such/path").assertProblem(404, "not-found");
    http.method("DELETE", "/streams/" + stream).assertProblem(405, "method-not-allowed");
  }
}
