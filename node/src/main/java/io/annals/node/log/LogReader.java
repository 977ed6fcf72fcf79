package io.annals.node.log;

import io.annals.node.journal.Cancel;
import io.annals.node.journal.JournalReads;
import io.annals.node.journal.StoredEvent;
import io.annals.node.journal.StreamReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads a log from Cassandra: its entries from the log's journal partition, by sequence number, and
 * the entries' events from their streams' journals (one read per stream and run of consecutive
 * versions, up to {@value #PARALLEL_STREAM_READS} at once).
 */
public final class LogReader {
  private static final int PARALLEL_STREAM_READS = 16;

  /** Index entries a read asks for first; most entries cover many events when streams batch. */
  private static final int FIRST_ENTRIES = 16;

  private static final int MAX_ENTRIES = 256;

  /** Events the first round of a read takes when the size of the log's events is not known. */
  private static final int FIRST_EVENTS = 16;

  private static final int MAX_REMEMBERED_LOGS = 10_000;

  private final JournalReads journal;
  private final StreamReader streams;

  /**
   * The average size of an event of each log as the last page read of it found, so the first round
   * of the next page read is sized by bytes (one round for a page of small events) instead of
   * starting at {@value #FIRST_EVENTS}.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, Long> eventSizes =
      new java.util.concurrent.ConcurrentHashMap<>();

  public LogReader(JournalReads journal, StreamReader streams) {
    this.journal = journal;
    this.streams = streams;
  }

  /** The place after the last entry of {@code logId} now: where a reader of new entries starts. */
  public CompletionStage<Cursor> end(String logId) {
    return journal
        .highestSequenceNr(LogJournal.persistenceId(logId).id())
        .thenApply(highest -> new Cursor(highest + 1, 0));
  }

  /** The index entries {@code from..to} of {@code logId} that exist, as journal rows. */
  CompletionStage<List<JournalReads.Row>> entries(String logId, long from, long to) {
    return journal.read(LogJournal.persistenceId(logId).id(), from, to);
  }

  /**
   * At most {@code max} events of {@code logId} after {@code from}, in log order, ending once they
   * hold {@code maxBytes} (at least one event). Reads the (small) index entries first and then only
   * the stream ranges it needs, so a chunk costs a read of the log's partition (more when its
   * entries are smaller than the first read guessed) plus one read per stream range in it.
   */
  public CompletionStage<List<LogEvent>> events(
      String logId, Cursor from, int max, long maxBytes, Cancel cancel) {
    Found estimates = new Found(0, eventSizes.getOrDefault(logId, 0L));
    return collect(logId, from, new Goal(max, maxBytes, false, cancel), estimates)
        .thenApply(
            read -> {
              if (read.perEvent() > 0) {
                if (eventSizes.size() >= MAX_REMEMBERED_LOGS) {
                  eventSizes.clear(); // a safety valve: many categories, read once each
                }
                eventSizes.put(logId, read.perEvent());
              }
              return within(read.events(), maxBytes);
            });
  }

  /** The first of {@code events} up to the one that makes them hold {@code maxBytes}. */
  private static List<LogEvent> within(List<LogEvent> events, long maxBytes) {
    long bytes = 0;
    for (int n = 0; n < events.size(); n++) {
      bytes += events.get(n).event().size();
      if (bytes >= maxBytes) {
        return events.subList(0, n + 1);
      }
    }
    return events;
  }

  /**
   * What a catch-up read found: its events (ending at an entry's end unless the byte budget ended
   * it sooner, so the next read seldom reads a stream range in two), the average events per index
   * entry seen, which sizes the next read's index query, and the average size of an event, which
   * sizes its stream reads.
   */
  public record Read(List<LogEvent> events, long perEntry, long perEvent) {
    /**
     * Index entries to ask for to find {@code wanted} events, when entries hold {@code perEntry}.
     */
    static int entriesFor(int wanted, long perEntry) {
      return (int) Math.min(MAX_ENTRIES, (wanted + perEntry - 1) / Math.max(1, perEntry) + 1);
    }
  }

  /**
   * At least {@code min} events of {@code logId} after {@code from} (fewer where the log ends or
   * once they hold {@code maxBytes}), in log order, ending where an index entry ends: the rest of
   * the last entry is read too, at most as many events more as the last read took. {@code previous}
   * is the previous read of this reader (its estimates), or null.
   */
  public CompletionStage<Read> ahead(
      String logId, Cursor from, int min, long maxBytes, Read previous, Cancel cancel) {
    Found estimates =
        previous == null ? new Found(0, 0) : new Found(previous.perEntry(), previous.perEvent());
    return collect(logId, from, new Goal(min, maxBytes, true, cancel), estimates);
  }

  /** The part of an entry a read wants: versions {@code from..to} of it. */
  private record Slice(long seq, LogJournal.Indexed entry, long from, long to) {}

  /** What a read is after: events and bytes, whole entries or not, until the client is gone. */
  private record Goal(int max, long maxBytes, boolean whole, Cancel cancel) {}

  /** Events per entry and bytes per event seen so far (0: not known). */
  private record Found(long perEntry, long perEvent) {}

  private CompletionStage<Read> collect(String logId, Cursor from, Goal goal, Found estimates) {
    return collect(logId, from, goal, estimates, new ArrayList<>(), 0);
  }

  /**
   * Reads index entries after {@code from}, then the stream ranges they name, in rounds: a round
   * takes as many events as the bytes left allow at the size of the events seen so far ({@value
   * #FIRST_EVENTS} when none was seen, at most 256 in a first round and four times as many as were
   * read in later ones), and rounds go on until {@code max} events or {@code maxBytes} are found or
   * the log ends. With {@code whole}, the last entry a round takes is taken to its end (within
   * twice the round's events).
   */
  private CompletionStage<Read> collect(
      String logId, Cursor from, Goal goal, Found est, List<LogEvent> got, long gotBytes) {
    if (goal.cancel().cancelled()) {
      return CompletableFuture.failedFuture(new Cancel.Cancelled());
    }
    int round = roundSize(goal.max() - got.size(), goal.maxBytes() - gotBytes, est, got.size());
    int entries = est.perEntry() <= 0 ? FIRST_ENTRIES : Read.entriesFor(round, est.perEntry());
    long reach = goal.whole() ? 2L * round : round;
    String pid = LogJournal.persistenceId(logId).id();
    return journal
        .read(pid, from.seq(), from.seq() + entries - 1)
        .thenCompose(
            rows -> {
              List<Slice> slices = new ArrayList<>();
              int taken = 0;
              long covered = 0;
              Cursor next = from;
              for (var row : rows) {
                if (taken >= round) {
                  break;
                }
                LogJournal.Indexed i = (LogJournal.Indexed) row.event();
                long seq = row.seqNr();
                int skip = seq == from.seq() ? from.done() : 0;
                long first = i.from() + skip;
                long cap = goal.whole() ? reach : round;
                long last = Math.min(i.to(), first + (cap - taken) - 1);
                if (first <= last) {
                  slices.add(new Slice(seq, i, first, last));
                  taken += (int) (last - first + 1);
                }
                int size = (int) (i.to() - i.from() + 1);
                covered += size;
                next = Cursor.after(seq, (int) (Math.max(last, first - 1) - i.from() + 1), size);
              }
              Cursor after = next;
              // a round that took all it could, or a full index read, may have more after it
              boolean more = taken >= round || rows.size() == entries;
              long perEntry = rows.isEmpty() ? est.perEntry() : Math.max(1, covered / rows.size());
              return resolve(logId, slices, goal.cancel())
                  .thenCompose(
                      events -> {
                        got.addAll(events);
                        long bytes = gotBytes;
                        for (LogEvent e : events) {
                          bytes += e.event().size();
                        }
                        long perEvent =
                            got.isEmpty() ? est.perEvent() : Math.max(1, bytes / got.size());
                        Found seen = new Found(perEntry, perEvent);
                        return more && got.size() < goal.max() && bytes < goal.maxBytes()
                            ? collect(logId, after, goal, seen, got, bytes)
                            : CompletableFuture.completedFuture(new Read(got, perEntry, perEvent));
                      });
            });
  }

  /** Events the next round takes: see {@link #collect}. */
  static int roundSize(int wanted, long bytesLeft, Found est, int read) {
    long byBytes = est.perEvent() <= 0 ? FIRST_EVENTS : Math.max(1, bytesLeft / est.perEvent());
    // a first round sized from an earlier read's estimate takes at most 256, later ones at most
    // four times what was read: a log whose events grow suddenly costs one round's overshoot
    long growth = read == 0 ? FIRST_EVENTS * 16L : 4L * read;
    return (int) Math.max(1, Math.min(wanted, Math.min(byBytes, growth)));
  }

  /**
   * The stream read serving one or more slices of {@code stream} whose versions follow each other:
   * versions {@code from..to}, filled in when the read completes.
   */
  private static final class Range {
    final String stream;
    final long from;
    long to;
    List<StoredEvent> events;

    Range(String stream, long from, long to) {
      this.stream = stream;
      this.from = from;
      this.to = to;
    }
  }

  /**
   * The events of {@code slices}, in their order. Slices of one stream whose versions follow each
   * other (a stream's entries in a log always do) share one read, so a chunk of a log that holds a
   * busy stream many times reads it once; the reads go {@value #PARALLEL_STREAM_READS} at once.
   */
  private CompletionStage<List<LogEvent>> resolve(String logId, List<Slice> slices, Cancel cancel) {
    Map<String, Range> last = new HashMap<>();
    List<Range> ranges = new ArrayList<>();
    List<Range> rangeOf = new ArrayList<>(slices.size());
    for (Slice slice : slices) {
      String stream = slice.entry().stream();
      Range r = last.get(stream);
      if (r == null || r.to + 1 != slice.from()) {
        r = new Range(stream, slice.from(), slice.to());
        last.put(stream, r);
        ranges.add(r);
      }
      r.to = slice.to();
      rangeOf.add(r);
    }
    return read(logId, ranges, 0, cancel)
        .thenApply(
            done -> {
              List<LogEvent> out = new ArrayList<>();
              for (int k = 0; k < slices.size(); k++) {
                Slice slice = slices.get(k);
                Range r = rangeOf.get(k);
                out.addAll(
                    toLogEvents(
                        slice,
                        r.events.subList(
                            (int) (slice.from() - r.from), (int) (slice.to() - r.from + 1))));
              }
              return out;
            });
  }

  private CompletionStage<Void> read(String logId, List<Range> ranges, int start, Cancel cancel) {
    if (start >= ranges.size()) {
      return CompletableFuture.completedFuture(null);
    }
    if (cancel.cancelled()) {
      return CompletableFuture.failedFuture(new Cancel.Cancelled());
    }
    List<Range> wave =
        ranges.subList(start, Math.min(ranges.size(), start + PARALLEL_STREAM_READS));
    CompletableFuture<?>[] reads = new CompletableFuture<?>[wave.size()];
    for (int k = 0; k < wave.size(); k++) {
      Range r = wave.get(k);
      reads[k] =
          streams
              .read(r.stream, r.from, r.to)
              .thenAccept(events -> r.events = checked(logId, r, events))
              .toCompletableFuture();
    }
    return CompletableFuture.allOf(reads)
        .thenCompose(done -> read(logId, ranges, start + wave.size(), cancel));
  }

  /** {@code events}, if they are all of {@code r}'s versions (the log names only written ones). */
  private static List<StoredEvent> checked(String logId, Range r, List<StoredEvent> events) {
    if (events.size() != r.to - r.from + 1) {
      throw new IllegalStateException(
          "log "
              + logId
              + " names "
              + r.stream
              + " "
              + r.from
              + ".."
              + r.to
              + " but its journal has "
              + events.size()
              + " events of that range");
    }
    return events;
  }

  private static List<LogEvent> toLogEvents(Slice slice, List<StoredEvent> events) {
    LogJournal.Indexed i = slice.entry();
    int size = (int) (i.to() - i.from() + 1);
    List<LogEvent> out = new ArrayList<>(events.size());
    for (var e : events) {
      int index = (int) (e.version() - i.from() + 1);
      out.add(new LogEvent(e, Cursor.after(slice.seq(), index, size), i.recorded()));
    }
    return out;
  }
}
