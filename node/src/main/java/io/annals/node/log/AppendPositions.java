package io.annals.node.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Turns the position of an append ({@link Position.Append}: a stream's version) into a position of
 * a log, once that log has indexed the version: the place right after that version in the log. The
 * logs are not indexed by stream, so the entry holding the version is found by reading the log's
 * index entries backwards from its head, {@value #STEP} at a time: a recent append (the use of
 * "from my write on") is found in a read or two; one older than {@value #MAX_ENTRIES} entries is
 * refused. In the global log, a partition other than the stream's is placed after its last entry
 * indexed no later than that version's entry, the order in which {@code /all} merges its
 * partitions.
 */
final class AppendPositions {
  private static final int STEP = 256;
  private static final long MAX_ENTRIES = 65_536;

  private final LogReader reader;

  AppendPositions(LogReader reader) {
    this.reader = reader;
  }

  /** Where an entry was found: right after the version in log order, and when it was indexed. */
  record Found(Cursor after, long recorded) {}

  /** The place in {@code logId} right after {@code version} of {@code stream} (indexed already). */
  CompletionStage<Found> after(String logId, String stream, long version) {
    return reader
        .end(logId)
        .thenCompose(end -> back(logId, end.seq() - 1, 0, row -> matches(row, stream, version)))
        .thenApply(
            row -> {
              if (row == null) {
                throw new TooOld(stream, version);
              }
              LogJournal.Indexed i = row.entry();
              return new Found(
                  Cursor.after(
                      row.seq(), (int) (version - i.from() + 1), (int) (i.to() - i.from() + 1)),
                  i.recorded());
            });
  }

  /**
   * The place in partition log {@code logId} after its last entry that {@code /all} orders before
   * one indexed at {@code recorded} in partition {@code of}: indexed earlier, or at the same time
   * in a lower partition.
   */
  CompletionStage<Cursor> before(String logId, int partition, int of, long recorded) {
    return reader
        .end(logId)
        .thenCompose(
            end ->
                back(
                    logId,
                    end.seq() - 1,
                    0,
                    row ->
                        row.entry().recorded() < recorded
                            || (row.entry().recorded() == recorded && partition < of)))
        .thenApply(row -> row == null ? Cursor.START : new Cursor(row.seq() + 1, 0));
  }

  private static boolean matches(Row row, String stream, long version) {
    LogJournal.Indexed i = row.entry();
    return i.stream().equals(stream) && i.from() <= version && version <= i.to();
  }

  private record Row(long seq, LogJournal.Indexed entry) {}

  private interface Test {
    boolean test(Row row);
  }

  /** The newest entry at or below {@code to} that passes {@code test}; null if none. */
  private CompletionStage<Row> back(String logId, long to, long read, Test test) {
    if (to < 1) {
      return CompletableFuture.completedFuture(null);
    }
    if (read >= MAX_ENTRIES) {
      return CompletableFuture.failedFuture(new TooOld(logId, to));
    }
    long from = Math.max(1, to - STEP + 1);
    return reader
        .entries(logId, from, to)
        .thenCompose(
            rows -> {
              List<Row> found = new ArrayList<>();
              for (var r : rows) {
                found.add(new Row(r.seqNr(), (LogJournal.Indexed) r.event()));
              }
              for (int k = found.size() - 1; k >= 0; k--) {
                if (test.test(found.get(k))) {
                  return CompletableFuture.completedFuture(found.get(k));
                }
              }
              return back(logId, from - 1, read + (to - from + 1), test);
            });
  }

  /** The append is further back in the log than {@value #MAX_ENTRIES} entries. */
  static final class TooOld extends RuntimeException {
    TooOld(String where, long at) {
      super(
          "the append position ("
              + where
              + " at "
              + at
              + ") is more than "
              + MAX_ENTRIES
              + " index entries back; read from a position of the log instead");
    }
  }

  static Optional<TooOld> tooOld(Throwable failure) {
    Throwable t = failure;
    while (t != null) {
      if (t instanceof TooOld o) {
        return Optional.of(o);
      }
      t = t.getCause();
    }
    return Optional.empty();
  }
}
