package io.annals.node.journal;

/**
 * A read refused because {@code annals.read.max-queued-queries} reads already wait for the journal
 * on this node: the caller answers 503 with Retry-After rather than queue without bound.
 */
public final class JournalBusy extends RuntimeException {
  public JournalBusy(int waiting) {
    super(
        "too many reads wait for the journal on this node (" + waiting + "); retry later",
        null,
        false,
        false);
  }
}
