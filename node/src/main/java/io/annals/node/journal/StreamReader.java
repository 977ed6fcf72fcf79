package io.annals.node.journal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

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
    return journal.highestSequenceNr(StreamIds.persistenceId(stream).id());
  }

  /** Events {@code from..to} (inclusive, 1-based) of {@code stream}, in version order. */
  public CompletionStage<List<StoredEvent>> read(String stream, long from, long to) {
    return journal
        .read(StreamIds.persistenceId(stream).id(), from, to)
        .thenApply(
            rows -> {
              List<StoredEvent> events = new ArrayList<>(rows.size());
              for (JournalReads.Row row : rows) {
                events.add(((StreamRecord) row.event()).stored(stream, row.seqNr()));
              }
              return events;
            });
  }
}
