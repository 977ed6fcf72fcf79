package io.annals.node.stream;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Reads ranges of a stream straight from the Cassandra journal (the stream's partition, by sequence
 * number). Callers ask the stream entity for its version first, so a read never shows an event
 * before it was acknowledged and always shows every acknowledged one.
 */
public final class StreamReader {
  private final CassandraReadJournal journal;
  private final ActorSystem<?> system;

  public StreamReader(ActorSystem<?> system) {
    this.system = system;
    this.journal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
  }

  /** Events {@code from..to} (inclusive, 1-based) of {@code stream}, in version order. */
  public Source<StoredEvent, ?> events(String stream, long from, long to) {
    String pid = StreamJournal.persistenceId(stream).id();
    return journal
        .currentEventsByPersistenceId(pid, from, to)
        .map(envelope -> toStored(stream, envelope));
  }

  public CompletionStage<List<StoredEvent>> read(String stream, long from, long to) {
    return events(stream, from, to).runWith(Sink.seq(), system);
  }

  private static StoredEvent toStored(String stream, EventEnvelope envelope) {
    return ((StreamJournal.Recorded) envelope.event()).stored(stream, envelope.sequenceNr());
  }
}
