package io.annals.node.stream;

import io.annals.node.journal.JournalReads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * Reads ranges of a stream straight from the Cassandra journal (the stream's partition, by sequence
 * number). Callers ask the stream entity for its version first, so a read never shows an event
 * before it was acknowledged and always shows every acknowledged one.
 */
public final class StreamReader {
  private final JournalReads journal;

  public StreamReader(JournalReads journal) {
    this.journal = journal;
  }

  /** The highest version {@code stream} has in the journal (0: never written). */
  public CompletionStage<Long> version(String stream) {
    return journal.highestSequenceNr(StreamJournal.persistenceId(stream).id());
  }

  /** The stream a journal persistence id belongs to, or null when it is not a stream's. */
  public static String streamOf(String persistenceId) {
    String prefix = StreamEntity.TYPE_KEY.name() + PersistenceId.DefaultSeparator();
    return persistenceId.startsWith(prefix) ? persistenceId.substring(prefix.length()) : null;
  }

  /** Events {@code from..to} (inclusive, 1-based) of {@code stream}, in version order. */
  public CompletionStage<List<StoredEvent>> read(String stream, long from, long to) {
    return journal
        .read(StreamJournal.persistenceId(stream).id(), from, to)
        .thenApply(
            rows -> {
              List<StoredEvent> events = new ArrayList<>(rows.size());
              for (JournalReads.Row row : rows) {
                events.add(((StreamJournal.Recorded) row.event()).stored(stream, row.seqNr()));
              }
              return events;
            });
  }
}
