package io.annals.cli;

import io.annals.api.RecordedEvent;
import io.annals.api.client.AnnalsException;
import io.annals.api.client.Subscription;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * Prints events read and then tailed, remembering the last version and position so the tail goes on
 * right after the read, and stops the command once {@code --count} events were printed.
 */
final class Tail implements Consumer<RecordedEvent> {
  private final Output out;
  private final long count;
  private final CountDownLatch finished = new CountDownLatch(1);
  private long printed;
  private long lastVersion;
  private String lastPosition;
  private volatile boolean failed;

  private final Consumer<RecordedEvent> afterPrint;

  Tail(Output out, long count) {
    this(out, count, e -> {});
  }

  /** {@code afterPrint} runs after each printed event, before the command may end. */
  Tail(Output out, long count, Consumer<RecordedEvent> afterPrint) {
    this.out = out;
    this.count = count;
    this.afterPrint = afterPrint;
  }

  /** Prints {@code e} unless {@code --count} events were printed already; true if it did. */
  synchronized boolean print(RecordedEvent e) {
    if (done()) {
      return false;
    }
    out.event(e);
    printed++;
    lastVersion = e.version();
    lastPosition = e.position() != null ? e.position() : lastPosition;
    afterPrint.accept(e);
    if (done()) {
      finished.countDown();
    }
    return true;
  }

  @Override
  public void accept(RecordedEvent e) {
    print(e);
  }

  boolean done() {
    return count >= 0 && printed >= count;
  }

  long nextVersion(long from) {
    return lastVersion > 0 ? lastVersion + 1 : from;
  }

  String lastPosition() {
    return lastPosition;
  }

  /**
   * A subscription's trouble: a 4xx other than 429 (a refused token, a bad position) ends the
   * command with exit code 1, as the subscription gives up on it; anything else is reported while
   * it reconnects.
   */
  void problem(Throwable t) {
    if (t instanceof AnnalsException a
        && a.status() >= 400
        && a.status() < 500
        && a.status() != 429) {
      System.err.println(Output.json(a.problem()));
      failed = true;
      finished.countDown();
    } else {
      System.err.println("annals: " + t.getMessage() + " (reconnecting)");
    }
  }

  /** Waits until {@code --count} is reached (without it, until the process is stopped). */
  int follow(Subscription subscription) throws InterruptedException {
    try (subscription) {
      finished.await();
    }
    return failed ? 1 : 0;
  }
}
