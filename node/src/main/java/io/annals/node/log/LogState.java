package io.annals.node.log;

import io.annals.node.CborSerializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a log entity knows: its head (the number of entries, so the sequence number of the newest)
 * and, per stream, the highest version it has indexed, in stream-name order (the stream listing
 * reads it).
 */
final class LogState {
  private final TreeMap<String, Long> indexed;
  private long head;

  LogState() {
    this(new TreeMap<>(), 0);
  }

  private LogState(TreeMap<String, Long> indexed, long head) {
    this.indexed = indexed;
    this.head = head;
  }

  long head() {
    return head;
  }

  long indexedVersion(String stream) {
    return indexed.getOrDefault(stream, 0L);
  }

  LogState apply(LogJournal.Indexed entry) {
    indexed.put(entry.stream(), entry.to());
    head++;
    return this;
  }

  /** Up to {@code limit} stream names after {@code after} (from the first when null). */
  List<String> streamsAfter(String after, int limit) {
    Map<String, Long> tail = after == null ? indexed : indexed.tailMap(after, false);
    List<String> out = new ArrayList<>(Math.min(limit, tail.size()));
    for (String s : tail.keySet()) {
      if (out.size() == limit) {
        break;
      }
      out.add(s);
    }
    return out;
  }

  Snapshot toSnapshot() {
    return new Snapshot(head, new TreeMap<>(indexed));
  }

  static LogState fromSnapshot(Snapshot s) {
    return new LogState(new TreeMap<>(s.indexed()), s.head());
  }

  /** The state as stored in the snapshot store. */
  record Snapshot(long head, Map<String, Long> indexed) implements CborSerializable {}
}
