package io.annals.node.log;

import io.annals.node.journal.StoredEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * An event as a log reader sees it: the event, the reader's place in the log right after it, when
 * its entry was indexed (microseconds since the epoch; the global log's merge order), and its wire
 * form (shared by every subscriber on this node when it came from the live tail).
 */
public record LogEvent(StoredEvent event, Cursor after, long indexed, EventBytes bytes) {

  /** An event read from the journal: its wire form is this reader's own. */
  LogEvent(StoredEvent event, Cursor after, long indexed) {
    this(event, after, indexed, new EventBytes());
  }

  /**
   * The events of the tail's {@code live} entries after {@code from}, at most {@code max}, in log
   * order.
   */
  static List<LogEvent> after(List<LogTail.Live> live, Cursor from, int max) {
    List<LogEvent> out = new ArrayList<>();
    for (LogTail.Live l : live) {
      LogEntry entry = l.entry();
      if (entry.seq() < from.seq()) {
        continue;
      }
      int skip = entry.seq() == from.seq() ? from.done() : 0;
      List<StoredEvent> events = entry.events();
      for (int i = skip; i < events.size() && out.size() < max; i++) {
        out.add(
            new LogEvent(
                events.get(i),
                Cursor.after(entry.seq(), i + 1, events.size()),
                entry.recorded(),
                l.bytes().get(i)));
      }
      if (out.size() >= max) {
        break;
      }
    }
    return out;
  }
}
