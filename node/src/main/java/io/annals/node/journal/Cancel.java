package io.annals.node.journal;

import java.util.concurrent.CompletionStage;

/**
 * Tells a read of many journal queries that nobody waits for its answer any more (its client has
 * gone), so it stops before its next query instead of reading on. Reads check it between their
 * queries and then fail with {@link Cancelled}.
 */
@FunctionalInterface
public interface Cancel {
  /** A read that is never cancelled. */
  Cancel NEVER = () -> false;

  boolean cancelled();

  /** Cancelled once {@code gone} completes (normally or not). */
  static Cancel when(CompletionStage<?> gone) {
    var future = gone.toCompletableFuture();
    return future::isDone;
  }

  /** The failure of a read that stopped because it was cancelled. */
  final class Cancelled extends RuntimeException {
    public Cancelled() {
      super("the read was cancelled: its client has gone", null, false, false);
    }
  }
}
