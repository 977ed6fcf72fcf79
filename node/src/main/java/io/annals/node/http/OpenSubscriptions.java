package io.annals.node.http;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the subscriptions open on this node against {@code annals.subscriptions.max-open}. A
 * subscription takes a {@link Slot} before its response is made (none left: 429) and gives it back
 * once, when its event stream ends or its connection does, whichever comes first (a response that
 * was never sent because the client left at once gives its slot back too). Per-principal caps can
 * be layered on top: take the node's slot, then the principal's.
 */
final class OpenSubscriptions {
  private final int max;
  private final AtomicInteger open = new AtomicInteger();

  OpenSubscriptions(int max) {
    this.max = max;
  }

  int max() {
    return max;
  }

  int open() {
    return open.get();
  }

  /** A slot, or null when {@code max} subscriptions are open already. */
  Slot tryOpen(CompletionStage<?> connectionGone) {
    while (true) {
      int now = open.get();
      if (now >= max) {
        return null;
      }
      if (open.compareAndSet(now, now + 1)) {
        Slot slot = new Slot();
        connectionGone.whenComplete((done, failure) -> slot.close());
        return slot;
      }
    }
  }

  /** One open subscription; {@link #close} gives it back, once. */
  final class Slot {
    private final AtomicBoolean closed = new AtomicBoolean();

    void close() {
      if (closed.compareAndSet(false, true)) {
        open.decrementAndGet();
      }
    }
  }
}
