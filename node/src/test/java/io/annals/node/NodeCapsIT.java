package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Slow and greedy clients (issue 20) against the node-wide caps: 1,000 subscriptions from one
 * client meet {@code annals.subscriptions.max-open} (429 with Retry-After), 2,000 idle connections
 * and clients that send their headers a byte a second are closed after {@code
 * annals.http.first-request-timeout}, connections beyond {@code pekko.http.server.max-connections}
 * wait unanswered until one closes; and all the while another client's appends and reads are
 * answered as fast as usual.
 */
class NodeCapsIT extends OneNodeIT {
  private static final int MAX_OPEN = 500;

  @Override
  protected String keyspace() {
    return "node_caps_it";
  }

  @Override
  protected String nodeOverrides() {
    return """
        annals.subscriptions.max-open = %d
        annals.http.first-request-timeout = 3s
        """
        .formatted(MAX_OPEN);
  }

  @Test
  void answers429BeyondTheSubscriptionCapWhileOthersAreServed() throws Exception {
    List<Socket> subscribers = new ArrayList<>();
    int accepted = 0;
    int refused = 0;
    String refusal = null;
    try (Neighbour neighbour = new Neighbour(http)) {
      for (int i = 0; i < 1000; i++) {
        Socket s = connect();
        subscribers.add(s);
        // a quiet category: what is measured is the cap, not the fan-out of the neighbour's events
        send(
            s,
            "GET /categories/quiet/subscribe HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
        String head = head(s);
        if (head.startsWith("HTTP/1.1 200")) {
          accepted++;
        } else {
          refused++;
          refusal = head + body(s, head);
        }
      }
      neighbour.assertServedAsUsual();
    } finally {
      for (Socket s : subscribers) {
        s.close();
      }
    }
    assertEquals(MAX_OPEN, accepted);
    assertEquals(1000 - MAX_OPEN, refused);
    String answer = refusal;
    assertTrue(answer.startsWith("HTTP/1.1 429"), answer);
    assertTrue(answer.contains("Retry-After: 5"), answer);
    assertTrue(answer.contains("application/problem+json"), answer);
    assertTrue(answer.contains("\"type\":\"/problems/too-many-subscriptions\""), answer);
    // the closed subscriptions give their slots back
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (NodeMetrics.value(http, "annals_sse_subscribers") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    try (SseClient again = new SseClient(http.base() + "/categories/quiet/subscribe")) {
      assertEquals(200, again.status());
    }
  }

  @Test
  void closesIdleConnectionsAfterTheFirstRequestTimeoutWhileOthersAreServed() throws Exception {
    List<Socket> idle = new ArrayList<>();
    try (Neighbour neighbour = new Neighbour(http)) {
      for (int i = 0; i < 2000; i++) {
        idle.add(connect());
      }
      neighbour.assertServedAsUsual();
      long opened = System.nanoTime();
      for (Socket s : idle) {
        s.setSoTimeout(10_000);
        assertEquals(-1, readOrEnd(s), "the server closed an idle connection");
      }
      long ms = (System.nanoTime() - opened) / 1_000_000;
      assertTrue(ms < 8_000, () -> "idle connections closed after " + ms + " ms");
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  @Test
  void closesAClientSendingItsHeadersAByteASecond() throws Exception {
    byte[] request =
        ("GET /streams HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100) + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    List<CompletableFuture<Long>> slow = new ArrayList<>();
    var threads = java.util.concurrent.Executors.newCachedThreadPool();
    try (Neighbour neighbour = new Neighbour(http)) {
      for (int c = 0; c < 3; c++) {
        slow.add(
            CompletableFuture.supplyAsync(
                () -> {
                  long start = System.nanoTime();
                  try (Socket s = connect()) {
                    OutputStream out = s.getOutputStream();
                    for (byte b : request) {
                      out.write(b);
                      out.flush();
                      Thread.sleep(1000);
                    }
                    s.setSoTimeout(1000);
                    readOrEnd(s);
                    return -1L; // sent it all: not closed
                  } catch (IOException closed) {
                    return (System.nanoTime() - start) / 1_000_000;
                  } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                },
                threads));
      }
      neighbour.assertServedAsUsual();
    } finally {
      threads.shutdown();
    }
    for (CompletableFuture<Long> s : slow) {
      long ms = s.get();
      assertTrue(ms > 0 && ms < 8_000, () -> "a slow client was closed after " + ms + " ms");
    }
  }

  @Test
  void holdsConnectionsBeyondMaxConnectionsUntilOneCloses() throws Exception {
    assumeInProcessNode();
    try (AnnalsNode small =
        AnnalsNode.start(
            com.typesafe.config.ConfigFactory.parseString(
                    """
                    pekko.http.server.max-connections = 32
                    annals.http.first-request-timeout = 3s
                    """)
                .withFallback(RealCassandra.nodeConfig("node_caps_small_it")),
            Duration.ofMinutes(2))) {
      URI base = URI.create(small.baseUrl());
      List<Socket> idle = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        idle.add(connect(base));
      }
      Thread.sleep(300);
      try (Socket late = connect(base)) {
        send(late, "GET /streams HTTP/1.1\r\nHost: x\r\n\r\n");
        late.setSoTimeout(1500);
        assertThrowsTimeout(late);
        long waited = System.nanoTime();
        late.setSoTimeout(10_000);
        String head = head(late); // answered once the idle ones were closed
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        long ms = (System.nanoTime() - waited) / 1_000_000;
        assertTrue(ms < 6_000, () -> "answered after " + ms + " ms");
      } finally {
        for (Socket s : idle) {
          s.close();
        }
      }
    }
  }

  /**
   * Another client appending and reading while a test abuses the node; it measures its latency
   * before (a baseline) and during the abuse.
   */
  private static final class Neighbour implements AutoCloseable {
    private final HttpJson http;
    private final String stream = "neighbour-" + UUID.randomUUID();
    private final List<Long> during = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stop = new AtomicBoolean();
    private final long baseline;
    private final Thread running;
    private volatile AssertionError failure;

    Neighbour(HttpJson http) {
      this.http = http;
      List<Long> base = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        base.add(appendAndRead());
      }
      Collections.sort(base);
      this.baseline = base.get(base.size() / 2);
      // a thread of its own: the common pool has two threads in the tests and slow clients block
      this.running =
          new Thread(
              () -> {
                while (!stop.get()) {
                  try {
                    during.add(appendAndRead());
                  } catch (AssertionError e) {
                    failure = e;
                    return;
                  }
                }
              },
              "neighbour");
      running.start();
    }

    /** Milliseconds of one append and one read of its stream; asserts both succeed. */
    private long appendAndRead() {
      long start = System.nanoTime();
      var appended = http.post("/streams/" + stream, HttpJson.event("Tick", "{}"));
      assertEquals(201, appended.status(), appended.raw());
      var read = http.get("/streams/" + stream + "?direction=backward&limit=1");
      assertEquals(200, read.status(), read.raw());
      return (System.nanoTime() - start) / 1_000_000;
    }

    void assertServedAsUsual() throws Exception {
      Thread.sleep(1000);
      if (failure != null) {
        throw failure;
      }
      List<Long> seen;
      synchronized (during) {
        seen = new ArrayList<>(during);
      }
      assertTrue(seen.size() >= 3, () -> "the neighbour was served " + seen.size() + " times");
      Collections.sort(seen);
      long median = seen.get(seen.size() / 2);
      long worst = seen.get(seen.size() - 1);
      assertTrue(
          median <= Math.max(50, 5 * baseline) && worst < 2_000,
          () -> "neighbour: baseline " + baseline + " ms, median " + median + ", worst " + worst);
    }

    @Override
    public void close() throws Exception {
      stop.set(true);
      running.join();
    }
  }

  private Socket connect() throws IOException {
    return connect(URI.create(http.base()));
  }

  private static Socket connect(URI base) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
    return s;
  }

  private static void send(Socket s, String request) throws IOException {
    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }

  /** The status line and headers of the answer on {@code s}. */
  private static String head(Socket s) throws IOException {
    s.setSoTimeout(Math.max(s.getSoTimeout(), 10_000));
    InputStream in = s.getInputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (!out.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      out.write(b);
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** The body that follows {@code head} (which has a Content-Length). */
  private static String body(Socket s, String head) throws IOException {
    var length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    int n = length.find() ? Integer.parseInt(length.group(1)) : 0;
    return new String(s.getInputStream().readNBytes(n), StandardCharsets.UTF_8);
  }

  /** -1 when the server closed {@code s} (a reset counts as closed), else the byte read. */
  private static int readOrEnd(Socket s) throws IOException {
    try {
      return s.getInputStream().read();
    } catch (java.net.SocketException reset) {
      return -1;
    }
  }

  private static void assertThrowsTimeout(Socket s) throws IOException {
    try {
      int b = s.getInputStream().read();
      throw new AssertionError("answered at once beyond max-connections: " + b);
    } catch (SocketTimeoutException expected) {
      // nobody accepted the connection yet
    }
  }
}
