package io.annals.node.log;

import io.annals.node.journal.JournalReads;
import io.annals.node.stream.StoredEvent;
import io.annals.node.stream.StreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads a log from Cassandra: its entries from the log's journal partition, by sequence number, and
 * each entry's events from its stream's journal (up to {@value #PARALLEL_STREAM_READS} ranges at
 * once).
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

  /** The events of {@code slices}, in their order, read {@value #PARALLEL_STREAM_READS} at once. */
  private CompletionStage<List<LogEvent>> resolve(String logId, List<Slice> slices) {
    return resolve(logId, slices, 0, new ArrayList<>());
  }

  private CompletionStage<List<LogEvent>> resolve(
      String logId, List<Slice> slices, int start, List<LogEvent> got) {
    if (start >= slices.size()) {
      return CompletableFuture.completedFuture(got);
    }
    List<CompletableFuture<List<LogEvent>>> wave = new ArrayList<>();
    for (Slice slice :
        slices.subList(start, Math.min(slices.size(), start + PARALLEL_STREAM_READS))) {
      wave.add(
          streams
              .read(slice.entry().stream(), slice.from(), slice.to())
              .thenApply(events -> toLogEvents(logId, slice, events))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(wave.toArray(CompletableFuture[]::new))
        .thenCompose(
            done -> {
              wave.forEach(events -> got.addAll(events.join()));
              return resolve(logId, slices, start + wave.size(), got);
            });
  }

  private static List<LogEvent> toLogEvents(String logId, Slice slice, List<StoredEvent> events) {
    LogJournal.Indexed i = slice.entry();
    if (events.size() != slice.to() - slice.from() + 1) {
      throw new IllegalStateException(
          "log "
              + logId
              + " entry "
              + slice.seq()
              + " names "
              + i.stream()
              + " "
              + i.from()
              + ".."
              + i.to()
              + " but its journal has "
              + events.size()
              + " of "
              + slice.from()
              + ".."
              + slice.to());
    }
    int size = (int) (i.to() - i.from() + 1);
    List<LogEvent> out = new ArrayList<>(events.size());
    for (var e : events) {
      int index = (int) (e.version() - i.from() + 1);
      out.add(new LogEvent(e, Cursor.after(slice.seq(), index, size), i.recorded()));
    }
    return out;
  }
}
