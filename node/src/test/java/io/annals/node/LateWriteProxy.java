package io.annals.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link CqlFrameProxy} that delays one request: the first frame from the node that contains the
 * armed marker bytes (an event's data) is held for a while and then sent on: a journal write that
 * times out in the node and reaches Cassandra later.
 */
final class LateWriteProxy implements AutoCloseable {
  private final AtomicReference<Armed> armed = new AtomicReference<>();
  private final AtomicReference<Armed> holding = new AtomicReference<>();
  private final CqlFrameProxy proxy;

  private record Armed(byte[] marker, Duration delay, CountDownLatch held, CountDownLatch sent) {}

  LateWriteProxy(String cassandraContactPoint) throws IOException {
    proxy = new CqlFrameProxy(cassandraContactPoint, this::holdFor);
    proxy.onSent(
        () -> {
          Armed a = holding.getAndSet(null);
          if (a != null) {
            a.sent().countDown();
          }
        });
  }

  /** "host:port" for the node's driver. */
  String contactPoint() {
    return proxy.contactPoint();
  }

  /** The next frame containing {@code marker} is held for {@code delay}, then sent on. */
  Delayed delayNext(String marker, Duration delay) {
    Armed a =
        new Armed(
            marker.getBytes(StandardCharsets.UTF_8),
            delay,
            new CountDownLatch(1),
            new CountDownLatch(1));
    armed.set(a);
    return new Delayed(a);
  }

  private Duration holdFor(byte[] frame) {
    Armed a = armed.get();
    if (a != null && CqlFrameProxy.contains(frame, a.marker()) && armed.compareAndSet(a, null)) {
      holding.set(a);
      a.held().countDown();
      return a.delay();
    }
    return null;
  }

  /** What became of the armed frame. */
  static final class Delayed {
    private final Armed armed;

    private Delayed(Armed armed) {
      this.armed = armed;
    }

    boolean awaitHeld(Duration timeout) throws InterruptedException {
      return armed.held().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until Cassandra has been sent the held frame. */
    boolean awaitSent(Duration timeout) throws InterruptedException {
      return armed.sent().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() throws IOException {
    proxy.close();
  }
}
