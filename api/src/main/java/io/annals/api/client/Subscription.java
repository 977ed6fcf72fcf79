package io.annals.api.client;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A live SSE subscription that reconnects by itself: when the connection ends or fails it waits the
 * server's {@code retry} delay and connects again with {@code Last-Event-ID} set to the last id it
 * delivered, so the handler sees every message once, in order. Messages are handed over one at a
 * time (the next line is read only when the handler returns). {@link #close()} ends it; so does a
 * 4xx answer other than 429 (reported to the problem handler first), which retrying cannot fix.
 */
public final class Subscription implements AutoCloseable {
  private final Transport transport;
  private final Function<String, HttpRequest.Builder> request;
  private final Consumer<SseMessage> handler;
  private final Consumer<Throwable> onProblem;
  private volatile String lastEventId;
  private volatile long retryMillis = 1000;
  private volatile boolean closed;
  private volatile Flow.Subscription current;
  private volatile int connects;
  private final java.util.concurrent.atomic.AtomicInteger generation =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile long lastHeard = System.nanoTime();
  private volatile boolean delivering;

  Subscription(
      Transport transport,
      Function<String, HttpRequest.Builder> request,
      String lastEventId,
      Consumer<SseMessage> handler,
      Consumer<Throwable> onProblem) {
    this.transport = transport;
    this.request = request;
    this.lastEventId = lastEventId;
    this.handler = handler;
    this.onProblem = onProblem;
  }

  Subscription start() {
    connect();
    watch();
    return this;
  }

  /**
   * Reconnects when nothing, not even a heartbeat, came for the idle timeout: a connection whose
   * peer vanished without closing it (a partition, a killed pod) would otherwise wait forever.
   */
  private void watch() {
    long idle = transport.idleTimeout.toNanos();
    CompletableFuture.delayedExecutor(idle / 4, TimeUnit.NANOSECONDS)
        .execute(
            () -> {
              if (closed) {
                return;
              }
              if (!delivering && System.nanoTime() - lastHeard > idle) {
                generation.incrementAndGet();
                Flow.Subscription s = current;
                if (s != null) {
                  s.cancel();
                }
                connect();
              }
              watch();
            });
  }

  /** The id of the last message handed to the handler (resume from it later), or null. */
  public String lastEventId() {
    return lastEventId;
  }

  /** How many times this subscription connected (1 + reconnects). */
  public int connects() {
    return connects;
  }

  @Override
  public void close() {
    closed = true;
    Flow.Subscription s = current;
    if (s != null) {
      s.cancel();
    }
  }

  private void connect() {
    if (closed) {
      return;
    }
    connects++;
    int gen = generation.incrementAndGet();
    lastHeard = System.nanoTime();
    HttpRequest.Builder b = request.apply(lastEventId).header("Accept", "text/event-stream");
    // an SSE body never ends, so no request timeout: heartbeats keep the connection alive
    HttpRequest r = b.timeout(java.time.Duration.ofDays(365)).build();
    transport
        .http
        .sendAsync(r, this::body)
        .whenComplete(
            (response, failure) -> {
              // a connection the watchdog gave up on is no longer this subscription's business
              if (gen == generation.get()) {
                reconnectLater(failure);
              }
            });
  }

  private HttpResponse.BodySubscriber<Void> body(HttpResponse.ResponseInfo info) {
    if (info.statusCode() >= 400) {
      return HttpResponse.BodySubscribers.mapping(
          HttpResponse.BodySubscribers.ofString(java.nio.charset.StandardCharsets.UTF_8),
          text -> {
            AnnalsException problem = problem(info.statusCode(), text);
            onProblem.accept(problem);
            if (gaveUpOn(problem)) {
              closed = true;
            }
            return null;
          });
    }
    return HttpResponse.BodySubscribers.fromLineSubscriber(new Lines());
  }

  /**
   * A 4xx other than 429 does not go away by asking again (a refused token, an unknown group, a bad
   * position): the subscription ends after reporting it. 429 and 5xx are retried.
   */
  static boolean gaveUpOn(AnnalsException problem) {
    return problem.status() >= 400 && problem.status() < 500 && problem.status() != 429;
  }

  /** True once closed, by {@link #close()} or after a problem it gave up on. */
  public boolean isClosed() {
    return closed;
  }

  private static AnnalsException problem(int status, String text) {
    try {
      Transport.decode(status, text);
      return null;
    } catch (AnnalsException e) {
      return e;
    }
  }

  private void reconnectLater(Throwable failure) {
    if (closed) {
      return;
    }
    if (failure != null && !(Transport.unwrap(failure) instanceof AnnalsException)) {
      onProblem.accept(Transport.unwrap(failure));
    }
    CompletableFuture.delayedExecutor(retryMillis, TimeUnit.MILLISECONDS).execute(this::connect);
  }

  private final class Lines implements Flow.Subscriber<String> {
    private final SseParser parser = new SseParser(this::deliver, ms -> retryMillis = ms);
    private Flow.Subscription subscription;

    private void deliver(SseMessage m) {
      if (closed) {
        return;
      }
      delivering = true;
      try {
        handler.accept(m);
      } finally {
        delivering = false;
        lastHeard = System.nanoTime();
      }
      if (m.id() != null) {
        lastEventId = m.id();
      }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      current = s;
      if (closed) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(String line) {
      lastHeard = System.nanoTime();
      try {
        parser.line(line);
      } catch (RuntimeException e) {
        onProblem.accept(e);
        subscription.cancel();
        return;
      }
      if (closed) {
        subscription.cancel();
      } else {
        subscription.request(1);
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}
  }
}
