package io.annals.node.log;

/**
 * A reader's place in one log: every entry before {@code seq} is delivered, and the first {@code
 * done} events of entry {@code seq}. The start of a log is (1, 0).
 */
public record Cursor(long seq, int done) {
  public static final Cursor START = new Cursor(1, 0);

  /** The place after event {@code index} (1-based) of an entry of {@code size} events. */
  public static Cursor after(long seq, int index, int size) {
    return index >= size ? new Cursor(seq + 1, 0) : new Cursor(seq, index);
  }
}
