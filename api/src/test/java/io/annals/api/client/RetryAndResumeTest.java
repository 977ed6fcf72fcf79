package io.annals.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.annals.api.ExpectedVersion;
import io.annals.api.ProposedEvent;
import io.annals.api.RecordedEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's retries and reconnects against a scripted HTTP server (the JDK's): what a real node
 * cannot be made to do on cue (answer 503 once, drop a subscription).
 */
class RetryAndResumeTest {
  private final HttpServer server = start();
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private final List<String> lastEventIds = new CopyOnWriteArrayList<>();

  private static HttpServer start() {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
      s.start();
      return s;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private final java.util.concurrent.CountDownLatch hang =
      new java.util.concurrent.CountDownLatch(1);

  @AfterEach
  void stop() {
    hang.countDown();
    server.stop(0);
  }

  private URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private static void answer(HttpExchange x, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", type);
    if (status == 503) {
      x.getResponseHeaders().add("Retry-After", "0");
    }
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Test
  void retriesAnAppendAfter503WithTheEventIdsOfTheFirstTry() {
    server.createContext(
        "/streams/order-1",
        x -> {
          bodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          if (bodies.size() == 1) {
            answer(
                x,
                503,
                "application/problem+json",
                "{\"type\":\"/problems/unavailable\",\"title\":\"t\",\"status\":503,\"detail\":\"d\"}");
          } else {
            answer(
                x,
                201,
                "application/json",
                "{\"stream\":\"order-1\",\"firstVersion\":1,\"lastVersion\":1,\"transaction\":1,\"events\":[]}");
          }
        });
    ProposedEvent noId =
        new ProposedEvent(null, "Said", 1, null, JsonNodeFactory.instance.objectNode(), null);
    var result =
        AnnalsClient.create(base())
            .blocking()
            .appendToStream("order-1", ExpectedVersion.ANY, List.of(noId));
    assertEquals(1, result.lastVersion());
    assertEquals(2, bodies.size());
    JsonNode first = Transport.parse(bodies.get(0)).path("events").get(0);
    JsonNode second = Transport.parse(bodies.get(1)).path("events").get(0);
    assertNotNull(first.get("id"));
    assertEquals(first.get("id"), second.get("id"));
  }

  @Test
  void reconnectsAndResumesAfterTheLastEventId() throws InterruptedException {
    server.createContext(
        "/streams/order-2/subscribe",
        x -> {
          lastEventIds.add(String.valueOf(x.getRequestHeaders().getFirst("Last-Event-ID")));
          long next =
              lastEventIds.size() == 1
                  ? 1
                  : Long.parseLong(x.getRequestHeaders().getFirst("Last-Event-ID")) + 1;
          // the first connection sends the named-event form, the second the default form
          String event = lastEventIds.size() == 1 ? "event: Said\n" : "";
          answer(
              x,
              200,
              "text/event-stream",
              "retry: 10\n\n:\n\nid: " + next + "\n" + event + "data: " + eventJson(next) + "\n\n");
        });
    LinkedBlockingQueue<RecordedEvent> got = new LinkedBlockingQueue<>();
    try (Subscription s =
        AnnalsClient.builder(base())
            .timeout(Duration.ofSeconds(5))
            .build()
            .subscribeToStream("order-2", 1, got::add, t -> {})) {
      assertEquals(1, got.poll(5, TimeUnit.SECONDS).version());
      assertEquals(2, got.poll(5, TimeUnit.SECONDS).version());
      assertEquals(3, got.poll(5, TimeUnit.SECONDS).version());
      assertEquals(List.of("null", "1", "2"), lastEventIds.subList(0, 3));
    }
  }

  @Test
  void reconnectsWhenAConnectionFallsSilent() throws InterruptedException {
    server.createContext(
        "/streams/order-3/subscribe",
        x -> {
          String last = x.getRequestHeaders().getFirst("Last-Event-ID");
          lastEventIds.add(String.valueOf(last));
          long next = last == null ? 1 : Long.parseLong(last) + 1;
          x.getResponseHeaders().add("Content-Type", "text/event-stream");
          x.sendResponseHeaders(200, 0);
          OutputStream out = x.getResponseBody();
          out.write(
              ("id: " + next + "\ndata: " + eventJson(next) + "\n\n")
                  .getBytes(StandardCharsets.UTF_8));
          out.flush();
          try {
            // then silence, the connection left open: a peer that vanished
            hang.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          out.close();
        });
    LinkedBlockingQueue<RecordedEvent> got = new LinkedBlockingQueue<>();
    try (Subscription s =
        AnnalsClient.builder(base())
            .idleTimeout(Duration.ofMillis(400))
            .build()
            .subscribeToStream("order-3", 1, got::add, t -> {})) {
      assertEquals(1, got.poll(5, TimeUnit.SECONDS).version());
      assertEquals(2, got.poll(5, TimeUnit.SECONDS).version());
      assertEquals(List.of("null", "1"), lastEventIds.subList(0, 2));
    }
  }

  private static String eventJson(long version) {
    return "{\"id\":\"5192a593-8cc1-464e-81af-cd55709dc8d1\",\"stream\":\"order-2\",\"version\":"
        + version
        + ",\"transaction\":1,\"type\":\"Said\",\"data\":{},\"recorded\":\"2026-11-23T07:04:57.123456Z\"}";
  }
}
