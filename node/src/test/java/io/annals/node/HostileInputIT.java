package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a fuzzer found (issue 20): input that used to be answered 500, taken and then fail a whole
 * journal batch, or answered text/plain by the HTTP layer. Each is now a 4xx problem+json that
 * changes nothing, and appends next to it are unaffected.
 */
class HostileInputIT extends OneNodeIT {
  private String stream;

  @Override
  protected String keyspace() {
    return "hostile_input_it";
  }

  /** A lower event limit than the body limit, so that it can be met here. */
  @Override
  protected String nodeOverrides() {
    return "annals.http.max-event-bytes = 600 KiB";
  }

  @BeforeEach
  void streamWithOneEvent() {
    stream = "fuzz-" + UUID.randomUUID();
    assertEquals(201, http.post("/streams/" + stream, event("Opened", "{}")).status());
  }

  @AfterEach
  void streamIsUnchanged() {
    assertEquals(1, http.get("/streams/" + stream).body().path("version").asLong());
  }

  private static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  @Test
  void jsonNestedDeeperThanTheLimitIsMalformedOnEveryWriteRoute() {
    String deep = nested(1_500);
    http.post("/streams/" + stream, "{\"type\":\"A\",\"data\":" + deep + "}")
        .assertProblem(400, "malformed-json");
    http.post("/streams", "{\"writes\":" + deep + "}").assertProblem(400, "malformed-json");
    http.post("/streams/" + stream + "/transactions/1/invalidate", deep)
        .assertProblem(400, "malformed-json");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"A\\ud800\",\"data\":1}",
        "{\"type\":\"A\",\"key\":\"k\\udc00\",\"data\":1}",
        "{\"type\":\"A\",\"data\":\"\\ud800x\"}",
        "{\"type\":\"A\",\"data\":{\"\\udbff\":1}}",
        "{\"type\":\"A\",\"data\":1,\"metadata\":{\"m\":\"\\udfff\"}}"
      })
  void aLoneSurrogateIsRefusedBeforeItReachesTheStream(String body) {
    // a good append sent at the same moment must not share its fate
    CompletableFuture<Integer> neighbour =
        CompletableFuture.supplyAsync(
            () -> http.post("/streams/" + stream + "-n", event("Fine", "{}")).status());
    String detail =
        http.post("/streams/" + stream, body)
            .assertProblem(400, "invalid-request")
            .path("detail")
            .asText();
    assertTrue(detail.contains("lone surrogate"), detail);
    assertEquals(201, neighbour.join());
  }

  @Test
  void aPageOfLargeEventsEndsAtTheByteBudgetAndItsNextLinkReadsTheRest() {
    String big = "large-" + UUID.randomUUID();
    for (int i = 1; i <= 12; i++) {
      String data = "\"" + (char) ('a' + i) + "x".repeat(500_000) + "\"";
      assertEquals(201, http.post("/streams/" + big, event("Large", data)).status());
    }
    for (String direction : new String[] {"forward", "backward"}) {
      List<Long> versions = new ArrayList<>();
      int pages = 0;
      String next = "/streams/" + big + "?limit=1000&direction=" + direction;
      while (next != null && !next.equals("null")) {
        JsonNode page = http.get(next).body();
        int size = page.path("events").size();
        // 4 MiB of ~500 KB events: 9 a page, never all 12 at once
        assertTrue(size >= 1 && size <= 9, direction + " page of " + size);
        page.path("events").forEach(e -> versions.add(e.path("version").asLong()));
        next = page.path("next").isNull() ? null : page.path("next").asText();
        pages++;
      }
      List<Long> expected = new ArrayList<>();
      for (long v = 1; v <= 12; v++) {
        expected.add(direction.equals("forward") ? v : 13 - v);
      }
      assertEquals(expected, versions, direction + ": each event once, in order");
      assertEquals(2, pages, direction);
    }
  }

  @Test
  void anAppendWithAnExpectedVersionButNoEventsSaysEventsAreMissing() {
    String detail =
        http.post("/streams/" + stream, "{\"expectedVersion\":1}")
            .assertProblem(400, "invalid-request")
            .path("detail")
            .asText();
    assertTrue(detail.contains("events is required"), detail);
  }

  @Test
  void appendsAndRequestsOverTheirLimitsAre413NamingTheLimit() {
    StringBuilder many = new StringBuilder("[");
    for (int i = 0; i <= 10_000; i++) {
      many.append(i > 0 ? "," : "").append("{\"type\":\"A\",\"data\":1}");
    }
    String detail =
        http.post("/streams/" + stream, many + "]")
            .assertProblem(413, "too-many-events")
            .path("detail")
            .asText();
    assertTrue(detail.contains("max-events-per-append"), detail);
    String big = "\"" + "x".repeat(700_000) + "\"";
    http.post("/streams/" + stream, event("Big", big)).assertProblem(413, "event-too-large");
    StringBuilder writes = new StringBuilder("{\"writes\":[");
    for (int i = 0; i <= 100; i++) {
      writes
          .append(i > 0 ? "," : "")
          .append("{\"stream\":\"w-" + i + "\",\"events\":[" + event("A", "1") + "]}");
    }
    http.post("/streams", writes + "]}").assertProblem(413, "too-many-writes");
    assertEquals(404, http.get("/streams/w-0").status(), "nothing written");
  }

  @Test
  void aLoneSurrogateInAnInvalidationReasonIsRefused() {
    http.post("/streams/" + stream + "/transactions/1/invalidate", "{\"reason\":\"x\\ud800\"}")
        .assertProblem(400, "invalid-request");
  }

  @ParameterizedTest
  @ValueSource(strings = {".", ".."})
  void streamNamesThatAreDotSegmentsCannotBeWrittenThroughAMultiStreamWrite(String name) {
    // a multi-stream write answers each write on its own
    HttpJson.Response r =
        http.post(
            "/streams",
            "{\"writes\":[{\"stream\":\"" + name + "\",\"events\":[" + event("A", "1") + "]}]}");
    JsonNode result = r.body().path("results").path(0);
    assertEquals(400, result.path("status").asInt(), r.body()::toString);
    assertEquals("/problems/invalid-stream-name", result.path("type").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ED A0 80", "F5 80 80 80", "C0 AF", "FF"})
  void malformedUtf8IsRefused(String hex) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes("{\"type\":\"A\",\"data\":\"".getBytes(StandardCharsets.US_ASCII));
    for (String b : hex.split(" ")) {
      body.write(Integer.parseInt(b, 16));
    }
    body.writeBytes("\"}".getBytes(StandardCharsets.US_ASCII));
    String detail =
        http.postRaw("/streams/" + stream, "application/json", body.toByteArray())
            .assertProblem(400, "malformed-json")
            .path("detail")
            .asText();
    assertTrue(detail.contains("UTF-8"), detail);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET /streams/a%ZZ HTTP/1.1|400",
        "GET /streams HTTP/2.0|505",
        "FROB /streams HTTP/1.1|501",
        "POST /streams/x HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3|400",
        "GET /streams HTTP/1.1\r\nX-Big: " + "v" + "|431"
      })
  void requestsTheHttpLayerRefusesAreAnsweredWithProblems(String line) throws IOException {
    String[] parts = line.split("\\|");
    String head = parts[0];
    if (head.contains("X-Big")) {
      head = head + "v".repeat(20_000); // beyond max-header-value-length
    }
    String request = head + "\r\nHost: annals\r\nConnection: close\r\n\r\n";
    RawAnswer answer = raw(request);
    assertEquals(Integer.parseInt(parts[1]), answer.status, answer::toString);
    assertTrue(answer.head.contains("application/problem+json"), answer::toString);
    JsonNode problem = HttpJson.MAPPER.readTree(answer.body);
    assertEquals(answer.status, problem.path("status").asInt());
    assertTrue(problem.path("type").asText().startsWith("/problems/"), answer::toString);
  }

  private record RawAnswer(int status, String head, String body) {}

  private RawAnswer raw(String request) throws IOException {
    URI base = URI.create(baseUrl());
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int split = all.indexOf("\r\n\r\n");
      String head = all.substring(0, split);
      String body = all.substring(split + 4);
      return new RawAnswer(Integer.parseInt(head.split(" ")[1]), head, body);
    }
  }
}
