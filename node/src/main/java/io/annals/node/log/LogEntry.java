package io.annals.node.log;

import io.annals.node.CborSerializable;
import io.annals.node.journal.StoredEvent;
import java.util.List;

/**
 * Entry {@code seq} of a log: versions {@code from..to} of {@code stream}, indexed at {@code
 * recorded} (microseconds since the epoch). As sent live to the tails it carries the events
 * themselves; {@code events} is null where the log did not have them (an entry that fills a gap
 * left by a crash), and readers then take them from the stream's journal.
 */
public record LogEntry(
    long seq, String stream, long from, long to, long recorded, List<StoredEvent> events)
    implements CborSerializable {

  private static final int EVENT_OVERHEAD = 232;

  /** An event's SSE text beyond its type, data and metadata: id, field names, stream, times. */
  private static final int WIRE_OVERHEAD = 220;

  public int size() {
    return (int) (to - from + 1);
  }

  public boolean hasEvents() {
    return events != null;
  }

  /**
   * An estimate of the heap the entry holds in a tail, for bounding the tails: per event its
   * object, id, timestamp and strings (headers included, one byte per character) — about 230 bytes
   * plus the text, as a heap histogram of a node with full tails shows — and the SSE text the
   * node's subscribers make of it once ({@link EventBytes}), which lives as long as the entry: its
   * type (twice), data and metadata again, plus about 220 bytes.
   */
  long weight() {
    long w = 64 + stream.length();
    if (events != null) {
      for (StoredEvent e : events) {
        long text =
            e.type().length()
                + e.data().length()
                + (e.metadata() == null ? 0 : e.metadata().length());
        w += EVENT_OVERHEAD + text + WIRE_OVERHEAD + stream.length() + e.type().length() + text;
      }
    }
    return w;
  }
}
