package io.annals.node.log;

import io.annals.node.stream.StreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Reads a log from Cassandra: its entries from the log's journal partition, by sequence number, and
 * each entry's events from its stream's journal (a few entries at once).
 */
public final class LogReader {
  private static final int PARALLEL_STREAM_READS = 8;
  private final ActorSystem<?> system;
  private final CassandraReadJournal journal;
  private final StreamReader streams;

  public LogReader(ActorSystem<?> system, StreamReader streams) {
    this.system = system;
    this.streams = streams;
    this.journal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
  }

  /**
   * At most {@code max} events of {@code logId} after {@code from}, in log order. Reads the (small)
   * index entries first and then only the stream ranges it needs, so a chunk costs one read of the
   * log's partition plus one read per stream range in it.
   */
  public CompletionStage<List<LogEvent>> events(String logId, Cursor from, int max) {
    return collect(logId, from, max, new ArrayList<>());
  }

  /** The part of an entry a read wants: versions {@code from..to} of it. */
  private record Slice(long seq, LogJournal.Indexed entry, long from, long to) {}

  private CompletionStage<List<LogEvent>> collect(
      String logId, Cursor from, int max, List<LogEvent> got) {
    int wanted = max - got.size();
    int entries = Math.max(1, Math.min(wanted, 256));
    String pid = LogJournal.persistenceId(logId).id();
    return journal
        .currentEventsByPersistenceId(pid, from.seq(), from.seq() + entries - 1)
        .runWith(Sink.seq(), system)
        .thenCompose(
            envelopes -> {
              List<Slice> slices = new ArrayList<>();
              int taken = 0;
              Cursor next = from;
              for (var envelope : envelopes) {
                if (taken >= wanted) {
                  break;
                }
                LogJournal.Indexed i = (LogJournal.Indexed) envelope.event();
                long seq = envelope.sequenceNr();
                int skip = seq == from.seq() ? from.done() : 0;
                long first = i.from() + skip;
                long last = Math.min(i.to(), first + (wanted - taken) - 1);
                if (first <= last) {
                  slices.add(new Slice(seq, i, first, last));
                  taken += (int) (last - first + 1);
                }
                int size = (int) (i.to() - i.from() + 1);
                next = Cursor.after(seq, (int) (Math.max(last, first - 1) - i.from() + 1), size);
              }
              Cursor after = next;
              boolean more = envelopes.size() == entries && taken < wanted;
              return resolve(logId, slices)
                  .thenCompose(
                      events -> {
                        got.addAll(events);
                        return more
                            ? collect(logId, after, max, got)
                            : CompletableFuture.completedFuture(got);
                      });
            });
  }

  private CompletionStage<List<LogEvent>> resolve(String logId, List<Slice> slices) {
    return Source.from(slices)
        .mapAsync(
            PARALLEL_STREAM_READS,
            slice ->
                streams
                    .read(slice.entry().stream(), slice.from(), slice.to())
                    .thenApply(events -> toLogEvents(logId, slice, events)))
        .mapConcat(events -> events)
        .runWith(Sink.seq(), system);
  }

  private static List<LogEvent> toLogEvents(
      String logId, Slice slice, List<io.annals.node.stream.StoredEvent> events) {
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
