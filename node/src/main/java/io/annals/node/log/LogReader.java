package io.annals.node.log;

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
  private final JournalReads journal;
  private final StreamReader streams;

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
   * At most {@code max} events of {@code logId} after {@code from}, in log order. Reads the (small)
   * index entries first and then only the stream ranges it needs, so a chunk costs a read of the
   * log's partition (more when its entries are smaller than the first read guessed) plus one read
   * per stream range in it.
   */
  public CompletionStage<List<LogEvent>> events(String logId, Cursor from, int max) {
    return collect(logId, from, max, Math.min(max, FIRST_ENTRIES), false, new ArrayList<>())
        .thenApply(Read::events);
  }

  /**
   * What a catch-up read found: its events, ending at an entry's end (so the next read starts at an
   * entry and never reads a stream range twice), and the average events per index entry seen, which
   * sizes the next read's index query.
   */
  public record Read(List<LogEvent> events, long perEntry) {
    /**
     * Index entries to ask for to find {@code wanted} events, when entries hold {@code perEntry}.
     */
    static int entriesFor(int wanted, long perEntry) {
      return (int) Math.min(MAX_ENTRIES, (wanted + perEntry - 1) / Math.max(1, perEntry) + 1);
    }
  }

  /**
   * At least {@code min} events of {@code logId} after {@code from} (fewer only where the log
   * ends), in log order, ending where an index entry ends: the rest of the last entry is read too,
   * at most one entry's events more than asked for. {@code perEntry} is the previous read's
   * estimate (0 when there is none).
   */
  public CompletionStage<Read> ahead(String logId, Cursor from, int min, long perEntry) {
    int entries = perEntry <= 0 ? FIRST_ENTRIES : Read.entriesFor(min, perEntry);
    return collect(logId, from, min, entries, true, new ArrayList<>());
  }

  /** The part of an entry a read wants: versions {@code from..to} of it. */
  private record Slice(long seq, LogJournal.Indexed entry, long from, long to) {}

  /**
   * Reads {@code entries} index entries after {@code from}, then the stream ranges they name; reads
   * more entries (as many as the entries seen so far suggest) until {@code max} events are found.
   * With {@code whole}, each entry taken is taken to its end.
   */
  private CompletionStage<Read> collect(
      String logId, Cursor from, int max, int entries, boolean whole, List<LogEvent> got) {
    int wanted = max - got.size();
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
                if (taken >= wanted) {
                  break;
                }
                LogJournal.Indexed i = (LogJournal.Indexed) row.event();
                long seq = row.seqNr();
                int skip = seq == from.seq() ? from.done() : 0;
                long first = i.from() + skip;
                long last = whole ? i.to() : Math.min(i.to(), first + (wanted - taken) - 1);
                if (first <= last) {
                  slices.add(new Slice(seq, i, first, last));
                  taken += (int) (last - first + 1);
                }
                int size = (int) (i.to() - i.from() + 1);
                covered += size;
                next = Cursor.after(seq, (int) (Math.max(last, first - 1) - i.from() + 1), size);
              }
              Cursor after = next;
              boolean more = rows.size() == entries && taken < wanted;
              long perEntry = rows.isEmpty() ? 0 : Math.max(1, covered / rows.size());
              int nextEntries = Read.entriesFor(wanted - taken, perEntry);
              return resolve(logId, slices)
                  .thenCompose(
                      events -> {
                        got.addAll(events);
                        return more
                            ? collect(logId, after, max, nextEntries, whole, got)
                            : CompletableFuture.completedFuture(new Read(got, perEntry));
                      });
            });
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
  private CompletionStage<List<LogEvent>> resolve(String logId, List<Slice> slices) {
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
    return read(logId, ranges, 0)
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

  private CompletionStage<Void> read(String logId, List<Range> ranges, int start) {
    if (start >= ranges.size()) {
      return CompletableFuture.completedFuture(null);
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
        .thenCompose(done -> read(logId, ranges, start + wave.size()));
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
