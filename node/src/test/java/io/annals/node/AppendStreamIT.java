package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The contract's "Streaming appends": many appends over one request, answered in order, each as if
 * sent alone; pipelined into shared journal writes; a repeat after a dropped connection is an
 * idempotent retry.
 */
class AppendStreamIT extends OneNodeIT {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Override
  protected String keyspace() {
    return "append_stream_it";
  }

  /** Line {@code n} (1-based): the append that takes version n, with a fixed event id. */
  private static String line(String stream, long n) {
    UUID id = UUID.nameUUIDFromBytes((stream + "/" + n).getBytes(StandardCharsets.UTF_8));
    return "{\"expectedVersion\":%d,\"events\":[{\"id\":\"%s\",\"type\":\"Step\",\"data\":{\"n\":%d}}]}"
        .formatted(n - 1, id, n);
  }

  private static String body(String stream, long from, long to) {
    StringBuilder b = new StringBuilder();
    for (long n = from; n <= to; n++) {
      b.append(line(stream, n)).append('\n');
    }
    return b.toString();
  }

  private List<JsonNode> send(String stream, String ndjson) throws Exception {
    HttpResponse<java.util.stream.Stream<String>> r =
        CLIENT.send(
            HttpRequest.newBuilder(
                    URI.create(http.base() + "/streams/" + stream + "/append-stream"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson))
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, r.statusCode());
    assertTrue(
        r.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
    List<JsonNode> answers = new ArrayList<>();
    for (String l : r.body().toList()) {
      answers.add(HttpJson.MAPPER.readTree(l));
    }
    return answers;
  }

  @Test
  void answersEveryAppendInOrderAndWritesThemPipelined() throws Exception {
    String s = "ledger-" + UUID.randomUUID();
    double batchesBefore = metric("annals_journal_batch_appends_count");
    List<JsonNode> answers = send(s, body(s, 1, 2000));

    assertEquals(2000, answers.size());
    for (int i = 0; i < answers.size(); i++) {
      JsonNode a = answers.get(i);
      assertEquals(i + 1, a.path("line").asLong(), "answers in the order of the lines");
      assertEquals(201, a.path("status").asInt(), a::toString);
      assertEquals(i + 1, a.path("firstVersion").asLong());
    }
    List<JsonNode> stored = http.readAllPages("/streams/" + s + "?limit=1000");
    assertEquals(2000, stored.size());
    for (int i = 0; i < stored.size(); i++) {
      assertEquals(i + 1, stored.get(i).path("data").path("n").asLong(), "stored in order");
    }
    double batches = metric("annals_journal_batch_appends_count") - batchesBefore;
    assertTrue(batches < 1000, () -> "2000 appends pipelined into " + batches + " journal writes");
  }

  @Test
  void answersABadLineAloneAndTheOthersAsIfSentAlone() throws Exception {
    String s = "ledger-" + UUID.randomUUID();
    String ndjson = line(s, 1) + "\n{\"events\": 7}\n\n" + line(s, 2) + "\n" + line(s, 1) + "\n";
    List<JsonNode> answers = send(s, ndjson);

    assertEquals(4, answers.size(), "the blank line is skipped");
    assertEquals(201, answers.get(0).path("status").asInt());
    assertEquals(400, answers.get(1).path("status").asInt());
    assertEquals("/problems/invalid-request", answers.get(1).path("type").asText());
    assertEquals(2, answers.get(1).path("line").asLong());
    assertEquals(201, answers.get(2).path("status").asInt());
    assertEquals(4, answers.get(2).path("line").asLong());
    assertEquals(200, answers.get(3).path("status").asInt(), "line 1 again: an idempotent retry");
    assertEquals(1, answers.get(3).path("firstVersion").asLong());
    assertEquals(2, http.readAllPages("/streams/" + s).size(), "the bad line wrote nothing");
  }

  @Test
  void aRepeatAfterADroppedConnectionIsAnIdempotentRetry() throws Exception {
    String s = "ledger-" + UUID.randomUUID();
    // the first 300 appends go out, then the connection drops with the request unfinished
    try (Socket socket = new Socket("127.0.0.1", URI.create(http.base()).getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /streams/"
                  + s
                  + "/append-stream HTTP/1.1\r\nHost: x\r\n"
                  + "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = body(s, 1, 300).getBytes(StandardCharsets.UTF_8);
      out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(chunk);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(1500);
    } catch (IOException closed) {
      // the node may have answered and closed first: the point is the request never finished
    }
    long written = http.readAllPages("/streams/" + s + "?limit=1000").size();
    assertTrue(written > 0 && written <= 300, "part of the appends were written: " + written);

    List<JsonNode> answers = send(s, body(s, 1, 500));
    for (int i = 0; i < 500; i++) {
      int expected = i < written ? 200 : 201;
      assertEquals(expected, answers.get(i).path("status").asInt(), answers.get(i)::toString);
      assertEquals(i + 1, answers.get(i).path("firstVersion").asLong());
    }
    List<JsonNode> stored = http.readAllPages("/streams/" + s + "?limit=1000");
    assertEquals(500, stored.size(), "each append once");
  }

  @Test
  void takesMoreAppendsThanOneRequestBodyMayHold() throws Exception {
    String s = "ledger-" + UUID.randomUUID();
    byte[] ndjson = body(s, 1, 80_000).getBytes(StandardCharsets.UTF_8);
    // over 8 MiB, pekko.http.server.parsing.max-content-length; sent while the answers are read,
    // as a producer does (a client that reads nothing before it has sent everything would stall:
    // the answers it does not read hold back the reading of its appends)
    assertTrue(ndjson.length > 8 << 20, "longer than any other request may be");
    List<JsonNode> answers = new ArrayList<>();
    try (Socket socket = new Socket("127.0.0.1", URI.create(http.base()).getPort())) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  OutputStream out = socket.getOutputStream();
                  out.write(
                      ("POST /streams/"
                              + s
                              + "/append-stream HTTP/1.1\r\nHost: x\r\n"
                              + "Content-Type: application/x-ndjson\r\nConnection: close\r\n"
                              + "Content-Length: "
                              + ndjson.length
                              + "\r\n\r\n")
                          .getBytes(StandardCharsets.US_ASCII));
                  out.write(ndjson);
                  out.flush();
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      writer.start();
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      writer.join();
      assertTrue(response.startsWith("HTTP/1.1 200"), () -> response.substring(0, 200));
      for (String line : response.substring(response.indexOf("\r\n\r\n") + 4).split("\r?\n")) {
        if (line.startsWith("{")) {
          answers.add(HttpJson.MAPPER.readTree(line));
        }
      }
    }
    assertEquals(80_000, answers.size());
    assertEquals(201, answers.get(79_999).path("status").asInt(), answers.get(79_999)::toString);
    assertEquals(80_000, answers.get(79_999).path("lastVersion").asLong());
  }

  @Test
  void refusesAnotherContentTypeWith415() throws Exception {
    HttpJson.Response r =
        http.post("/streams/ledger-x/append-stream", "{\"expectedVersion\":0,\"events\":[]}");
    r.assertProblem(415, "unsupported-media-type");
  }

  private double metric(String name) throws Exception {
    String text =
        CLIENT
            .send(
                HttpRequest.newBuilder(URI.create(http.base() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return text.lines()
        .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
