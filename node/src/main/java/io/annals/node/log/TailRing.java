package io.annals.node.log;

import java.util.Arrays;

/**
 * The entries a {@link LogTail} holds, oldest first, with consecutive sequence numbers: a circular
 * array, so finding where a subscriber resumes is an index, not a scan of thousands of entries
 * (with hundreds of subscribers each asking after every write, the scan was most of the tail's
 * time).
 */
final class TailRing {
  private LogTail.Live[] slots = new LogTail.Live[16];
  private int start;
  private int size;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The oldest entry's sequence number; only when not empty. */
  long firstSeq() {
    return get(0).entry().seq();
  }

  /** The {@code i}-th oldest entry. */
  LogTail.Live get(int i) {
    return slots[(start + i) % slots.length];
  }

  /** Adds the entry after the newest; its sequence number must follow the newest's. */
  void addLast(LogTail.Live live) {
    if (size == slots.length) {
      LogTail.Live[] grown = new LogTail.Live[slots.length * 2];
      for (int i = 0; i < size; i++) {
        grown[i] = get(i);
      }
      slots = grown;
      start = 0;
    }
    slots[(start + size) % slots.length] = live;
    size++;
  }

  LogTail.Live removeFirst() {
    LogTail.Live first = slots[start];
    slots[start] = null;
    start = (start + 1) % slots.length;
    size--;
    return first;
  }

  void clear() {
    Arrays.fill(slots, null);
    start = 0;
    size = 0;
  }
}
