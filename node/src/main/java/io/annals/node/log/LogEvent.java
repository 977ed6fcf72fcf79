package io.annals.node.log;

import io.annals.node.stream.StoredEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * An event as a log reader sees it: the event, the reader's place in the log right after it, and
 * when its entry was indexed (microseconds since the epoch; the global log's merge order).
 */
public record LogEvent(StoredEvent event, Cursor after, long indexed) {

  /** The events of {@code entries} after {@code from}, at most {@code max}, in log order. */
  static List<LogEvent> after(List<LogEntry> entries, Cursor from, int max) {
    List<LogEvent> out = new ArrayList<>();
    for (LogEntry entry : entries) {
      if (entry.seq() < from.seq()) {
        continue;
      }
      int skip = entry.seq() == from.seq() ? from.done() : 0;
      List<StoredEvent> events = entry.events();
      for (int i = skip; i < events.size() && out.size() < max; i++) {
        out.add(
            new LogEvent(
                events.get(i), Cursor.after(entry.seq(), i + 1, events.size()), entry.recorded()));
      }
      if (out.size() >= max) {
        break;
      }
    }
    return out;
  }
}
