package io.annals.node.journal;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * At most {@code max} queries in flight; the others wait, and each freed slot goes to the oldest.
 * The Cassandra driver refuses a request outright ("no connection was available") once a connection
 * carries {@code max-requests-per-connection} of them, and the journal's writes share that
 * connection: a few hundred subscribers starting at once (four partition reads each for {@code
 * /all}) would otherwise fail appends with 503s and their own responses.
 */
final class QueryLimit {
  private final int max;
  private final int maxWaiting;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int running;

  /** At most {@code max} in flight and {@code maxWaiting} waiting; beyond, {@link JournalBusy}. */
  QueryLimit(int max, int maxWaiting) {
    this.max = max;
    this.maxWaiting = maxWaiting;
  }

  /**
   * Runs {@code query} when a slot is free; the slot is held until its result completes. Fails at
   * once with {@link JournalBusy} when {@code maxWaiting} queries wait already.
   */
  <T> CompletionStage<T> run(Supplier<CompletionStage<T>> query) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable start =
        () -> {
          CompletionStage<T> answer;
          try {
            answer = query.get();
          } catch (RuntimeException e) { // e.g. the session is closed: fail, but free the slot
            release();
            result.completeExceptionally(e);
            return;
          }
          answer.whenComplete(
              (value, failure) -> {
                release();
                if (failure != null) {
                  result.completeExceptionally(failure);
                } else {
                  result.complete(value);
                }
              });
        };
    boolean now;
    synchronized (this) {
      now = running < max;
      if (now) {
        running++;
      } else if (waiting.size() >= maxWaiting) {
        return CompletableFuture.failedFuture(new JournalBusy(maxWaiting));
      } else {
        waiting.addLast(start);
      }
    }
    if (now) {
      start.run();
    }
    return result;
  }

  private void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.pollFirst();
      if (next == null) {
        running--;
      }
    }
    if (next != null) {
      // the freed slot passes to the oldest waiting query, started on another thread: queries
      // that complete at once (a closed session) would otherwise release recursively
      CompletableFuture.runAsync(next);
    }
  }
}
