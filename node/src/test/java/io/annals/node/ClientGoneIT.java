package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.annals.node.log.Position;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A client that goes away does not keep the node working for it (issue 20): a {@code waitFor} that
 * could wait 30 s stops when its connection closes, and a subscription catching up stops reading
 * the journal. Seen in the node's metrics: reads in flight and catch-up steps.
 */
class ClientGoneIT extends OneNodeIT {

  @Override
  protected String keyspace() {
    return "client_gone_it";
  }

  /** Small steps and a small send buffer, so a catch-up takes many steps and stalls quickly. */
  @Override
  protected String nodeOverrides() {
    return """
        annals.subscriptions.catch-up-bytes = 32 KiB
        pekko.http.server.socket-options.so-send-buffer-size = 16 KiB
        """;
  }

  @Test
  void stopsWaitingForTheIndexWhenTheClientHasGone() throws Exception {
    String stream = "gone-" + UUID.randomUUID();
    assertEquals(201, http.post("/streams/" + stream, HttpJson.event("A", "{}")).status());
    // version 1000 is never written: these reads would wait their whole 30 s
    String never = new Position.Append(stream, 1000).encode();
    double cancelledBefore = NodeMetrics.value(http, "annals_reads_cancelled_total");
    List<Socket> clients = new ArrayList<>();
    for (String path : List.of("/all", "/categories/gone", "/all")) {
      clients.add(send("GET " + path + "?waitFor=" + never + "&timeout=30s"));
    }
    awaitValue("annals_reads_in_flight", 3, 10_000);
    for (Socket s : clients) {
      s.close();
    }
    long closed = System.nanoTime();
    awaitValue("annals_reads_in_flight", 0, 5_000);
    long stoppedMs = (System.nanoTime() - closed) / 1_000_000;
    assertEquals(
        cancelledBefore + 3, NodeMetrics.value(http, "annals_reads_cancelled_total"), "cancelled");
    assertTrue(stoppedMs < 5_000, () -> "stopped " + stoppedMs + " ms after the client left");
  }

  @Test
  void stopsCatchingUpWhenTheSubscriberHasGone() throws Exception {
    String stream = "gonesub-" + UUID.randomUUID();
    String event = HttpJson.event("Big", "{\"s\":\"" + "y".repeat(20 * 1024) + "\"}");
    String batch = "[" + String.join(",", java.util.Collections.nCopies(40, event)) + "]";
    for (int i = 0; i < 16; i++) { // 640 events of 20 KiB: 400 steps of 32 KiB to catch up
      assertEquals(201, http.post("/streams/" + stream, batch).status());
    }
    double before = NodeMetrics.value(http, "annals_subscriptions_catchup_steps_total");
    Socket client = send("GET /streams/" + stream + "/subscribe");
    InputStream in = client.getInputStream();
    byte[] some = new byte[4096];
    int got = 0;
    while (got < 100_000) { // a few events arrive
      int n = in.read(some);
      assertTrue(n > 0, "the subscription answers");
      got += n;
    }
    client.close();
    double last = -1;
    double now = NodeMetrics.value(http, "annals_subscriptions_catchup_steps_total");
    while (now != last) { // until no step started for a second
      Thread.sleep(1000);
      last = now;
      now = NodeMetrics.value(http, "annals_subscriptions_catchup_steps_total");
    }
    double steps = now - before;
    assertTrue(steps < 100, () -> "the subscription read on after its client left: " + steps);
    awaitValue("annals_sse_subscribers", 0, 5_000);
  }

  /**
   * A client that says {@code Connection: close} sends no more requests, but it has not gone: its
   * read and its subscription are answered in full.
   */
  @Test
  void answersClientsThatAskToCloseTheConnectionAfterTheAnswer() throws Exception {
    String stream = "close-" + UUID.randomUUID();
    String position = null;
    for (int i = 0; i < 3; i++) {
      var r = http.post("/streams/" + stream, HttpJson.event("A", "{}"));
      position = r.body().path("position").asText();
    }
    try (Socket page = send("GET /all?limit=1&waitFor=" + position, "Connection: close")) {
      String answer = new String(page.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    }
    try (Socket sse = send("GET /streams/" + stream + "/subscribe", "Connection: close")) {
      StringBuilder got = new StringBuilder();
      byte[] buffer = new byte[4096];
      while (got.toString().split("\nid: ", -1).length <= 3) {
        int n = sse.getInputStream().read(buffer);
        assertTrue(n > 0, () -> "the subscription ended early: " + got);
        got.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
      }
    }
  }

  private Socket send(String requestLine, String... headers) throws IOException {
    URI base = URI.create(http.base());
    Socket s = new Socket();
    s.setReceiveBufferSize(8 * 1024);
    s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
    s.getOutputStream()
        .write(
            (requestLine
                    + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                    + String.join(
                        "", java.util.Arrays.stream(headers).map(h -> h + "\r\n").toList())
                    + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  private void awaitValue(String series, double expected, long millis) throws Exception {
    long deadline = System.nanoTime() + millis * 1_000_000;
    double v = NodeMetrics.value(http, series);
    while (v != expected && System.nanoTime() < deadline) {
      Thread.sleep(100);
      v = NodeMetrics.value(http, series);
    }
    assertEquals(expected, v, series);
  }
}
