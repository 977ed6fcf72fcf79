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

  /** Entries {@code fromSeq..} (at most {@code max}) of {@code logId}, with their events. */
  public CompletionStage<List<LogEntry>> entries(String logId, long fromSeq, int max) {
    String pid = LogJournal.persistenceId(logId).id();
    return journal
        .currentEventsByPersistenceId(pid, fromSeq, fromSeq + max - 1)
        .mapAsync(
            PARALLEL_STREAM_READS,
            envelope -> {
              LogJournal.Indexed i = (LogJournal.Indexed) envelope.event();
              return streams
                  .read(i.stream(), i.from(), i.to())
                  .thenApply(
                      events -> {
                        if (events.size() != i.to() - i.from() + 1) {
                          throw new IllegalStateException(
                              "log "
                                  + logId
                                  + " entry "
                                  + envelope.sequenceNr()
                                  + " names "
                                  + i.stream()
                                  + " "
                                  + i.from()
                                  + ".."
                                  + i.to()
                                  + " but the"
                                  + " stream's journal has "
                                  + events.size()
                                  + " of them");
                        }
                        return new LogEntry(
                            envelope.sequenceNr(),
                            i.stream(),
                            i.from(),
                            i.to(),
                            i.recorded(),
                            events);
                      });
            })
        .runWith(Sink.seq(), system);
  }

  /** At most {@code max} events of {@code logId} after {@code from}, in log order. */
  public CompletionStage<List<LogEvent>> events(String logId, Cursor from, int max) {
    return collect(logId, from, max, new ArrayList<>());
  }

  private CompletionStage<List<LogEvent>> collect(
      String logId, Cursor from, int max, List<LogEvent> got) {
    int entries = Math.max(1, Math.min(max - got.size(), 256));
    return entries(logId, from.seq(), entries)
        .thenCompose(
            read -> {
              List<LogEvent> more = LogEvent.after(read, from, max - got.size());
              got.addAll(more);
              if (read.size() < entries || got.size() >= max || more.isEmpty() && read.isEmpty()) {
                return CompletableFuture.completedFuture(got);
              }
              Cursor next =
                  more.isEmpty()
                      ? new Cursor(read.get(read.size() - 1).seq() + 1, 0)
                      : more.get(more.size() - 1).after();
              return collect(logId, next, max, got);
            });
  }
}
