package io.annals.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * A light SSE subscriber for the benchmark: the HTTP client hands it lines without a thread of its
 * own, it counts events and reports each event's id (the event's UUID, taken from the start of the
 * data line) with its arrival time. A stalled subscriber asks for one line and then nothing, so the
 * client stops reading its socket and the node sees real backpressure.
 */
final class SseSubscriber implements Flow.Subscriber<String>, AutoCloseable {
  /** An event's data line begins with its id: {@code data: {"id":"<uuid>",...}}. */
  private static final String EVENT_PREFIX = "data: {\"id\":\"";

  private final boolean stalled;
  private final BiConsumer<String, Long> onEvent;
  final AtomicLong events = new AtomicLong();

  /** Completes when the node answered with its headers and the event stream began. */
  final CompletableFuture<Void> started = new CompletableFuture<>();

  private volatile Flow.Subscription subscription;

  private SseSubscriber(boolean stalled, BiConsumer<String, Long> onEvent) {
    this.stalled = stalled;
    this.onEvent = onEvent;
  }

  static SseSubscriber open(
      HttpClient http, String url, boolean stalled, BiConsumer<String, Long> onEvent) {
    SseSubscriber s = new SseSubscriber(stalled, onEvent);
    CompletableFuture<HttpResponse<Void>> response =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.fromLineSubscriber(s));
    response.exceptionally(
        failure -> {
          System.err.println("subscription failed: " + failure);
          s.started.completeExceptionally(failure);
          return null;
        });
    return s;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    subscription.request(stalled ? 1 : Long.MAX_VALUE);
    started.complete(null);
  }

  @Override
  public void onNext(String line) {
    if (line.startsWith(EVENT_PREFIX)) {
      events.incrementAndGet();
      if (onEvent != null) {
        int from = EVENT_PREFIX.length();
        onEvent.accept(line.substring(from, from + 36), System.nanoTime());
      }
    }
  }

  @Override
  public void onError(Throwable throwable) {}

  @Override
  public void onComplete() {}

  @Override
  public void close() {
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
  }
}
