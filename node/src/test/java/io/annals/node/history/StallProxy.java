package io.annals.node.history;

import io.annals.node.CqlFrameProxy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link CqlFrameProxy} between one node and Cassandra that can stall the node's writes: for a
 * while, every CQL frame from the node that carries event data of the history (it holds {@link
 * #MARKER}) is held for some seconds and then sent on, while every other frame (reads, recovery)
 * passes at once. The node's driver gives up on the held writes and Cassandra applies them later,
 * after the stream may have recovered and written on: the late writes of a stalled network path.
 */
final class StallProxy implements AutoCloseable {
  /** Part of every event's data the clients send, and of nothing else. */
  static final String MARKER = "hx-stall";

  private static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.UTF_8);
  private final AtomicInteger held = new AtomicInteger();
  private final CqlFrameProxy proxy;
  private volatile long stallUntil;
  private volatile Duration hold = Duration.ZERO;

  StallProxy(String cassandraContactPoint) throws IOException {
    proxy = new CqlFrameProxy(cassandraContactPoint, this::holdFor);
  }

  /** "host:port" for the node's driver. */
  String contactPoint() {
    return proxy.contactPoint();
  }

  /** For {@code window} from now, hold each write of event data for {@code hold}. */
  void stall(Duration window, Duration hold) {
    this.hold = hold;
    this.stallUntil = System.nanoTime() + window.toNanos();
  }

  /** How many frames were held so far. */
  int held() {
    return held.get();
  }

  private Duration holdFor(byte[] frame) {
    if (System.nanoTime() < stallUntil && CqlFrameProxy.contains(frame, MARKER_BYTES)) {
      held.incrementAndGet();
      return hold;
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    proxy.close();
  }
}
