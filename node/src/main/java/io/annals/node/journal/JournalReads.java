package io.annals.node.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.typesafe.config.Config;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;

/**
 * Reads a range of one persistence id straight from pekko-persistence-cassandra's {@code messages}
 * table with a prepared {@code SELECT}, on the plugin's own session and read profile. The plugin's
 * {@code currentEventsByPersistenceId} reads the same rows through a query stream per range that
 * also probes the next partition each time; for the many short ranges a log read resolves, that was
 * most of the read path's cost. Meant for ranges the caller knows are written (a stream's
 * acknowledged versions, a log's indexed entries). Rows come back in sequence-number order, each
 * sequence number once (see {@link JournalFence}: a sequence number has one visible row). At most
 * {@code annals.read.max-queries} of these queries are in flight at once ({@link QueryLimit}).
 */
public final class JournalReads {
  private static final String PLUGIN = PluginStatements.PLUGIN;
  private static final int PAGE_ROWS = 5000;

  /** One journal row: its sequence number and its deserialised event. */
  public record Row(long seqNr, Object event) {}

  private final Serialization serialization;
  private final String select;
  private final String selectHighest;
  private final String profile;
  private final long partitionSize;
  private final PluginStatements<Prepared> statements;
  private final QueryLimit limit;

  private record Prepared(
      CqlSession session, PreparedStatement select, PreparedStatement highest) {}

  public JournalReads(ActorSystem<?> system) {
    this.serialization = SerializationExtension.get(system);
    Config plugin = system.settings().config().getConfig(PLUGIN);
    Config journal = plugin.getConfig("journal");
    this.select =
        "SELECT sequence_nr, ser_id, ser_manifest, event FROM "
            + journal.getString("keyspace")
            + "."
            + journal.getString("table")
            + " WHERE persistence_id = ? AND partition_nr = ? AND sequence_nr >= ?"
            + " AND sequence_nr <= ?";
    this.selectHighest =
        "SELECT sequence_nr FROM "
            + journal.getString("keyspace")
            + "."
            + journal.getString("table")
            + " WHERE persistence_id = ? AND partition_nr = ? ORDER BY sequence_nr DESC LIMIT 1";
    this.profile = plugin.getString("query.read-profile");
    this.partitionSize = journal.getLong("target-partition-size");
    this.limit =
        new QueryLimit(
            system.settings().config().getInt("annals.read.max-queries"),
            system.settings().config().getInt("annals.read.max-queued-queries"));
    this.statements =
        new PluginStatements<>(
            system,
            session ->
                session
                    .prepareAsync(select)
                    .thenCombine(
                        session.prepareAsync(selectHighest),
                        (s, highest) -> new Prepared(session, s, highest)));
  }

  /** The rows {@code from..to} (inclusive) of {@code persistenceId} that exist. */
  public CompletionStage<List<Row>> read(String persistenceId, long from, long to) {
    List<Row> rows = new ArrayList<>((int) Math.max(0, Math.min(to - from + 1, 1024)));
    if (from > to) {
      return CompletableFuture.completedFuture(rows);
    }
    return statements
        .get()
        .thenCompose(p -> readFrom(p, partitionOf(from), persistenceId, from, to, rows));
  }

  /**
   * Reads what is left of the range from journal partition {@code partition} on. The plugin writes
   * an atomic write that crosses a partition boundary wholly into the later partition, so a
   * sequence number {@code s} lives in partition {@code (s - 1) / target-partition-size} or the one
   * after: one query when the range is in one partition, one more per boundary it crosses.
   */
  private CompletionStage<List<Row>> readFrom(
      Prepared p, long partition, String persistenceId, long from, long to, List<Row> rows) {
    var bound =
        p.select()
            .bind(persistenceId, partition, from, to)
            .setExecutionProfileName(profile)
            .setPageSize(PAGE_ROWS);
    return limit
        .run(() -> p.session().executeAsync(bound))
        .thenCompose(page -> collect(page, rows))
        .thenCompose(
            done -> {
              long next = rows.isEmpty() ? from : Math.max(from, lastSeqNr(rows) + 1);
              return next <= to && partition <= partitionOf(to)
                  ? readFrom(p, partition + 1, persistenceId, next, to, rows)
                  : CompletableFuture.completedFuture(rows);
            });
  }

  /**
   * The highest sequence number {@code persistenceId} has in the journal, 0 when it has none: the
   * newest row of each journal partition from the first on, until a partition is empty (the plugin
   * never leaves one empty between two written ones).
   */
  public CompletionStage<Long> highestSequenceNr(String persistenceId) {
    return statements.get().thenCompose(p -> highestFrom(p, 0, persistenceId, 0));
  }

  private CompletionStage<Long> highestFrom(
      Prepared p, long partition, String persistenceId, long found) {
    var bound = p.highest().bind(persistenceId, partition).setExecutionProfileName(profile);
    return limit
        .run(() -> p.session().executeAsync(bound))
        .thenCompose(
            rs -> {
              var row = rs.one();
              return row == null
                  ? CompletableFuture.completedFuture(found)
                  : highestFrom(p, partition + 1, persistenceId, row.getLong(0));
            });
  }

  private long partitionOf(long seqNr) {
    return (seqNr - 1) / partitionSize;
  }

  private static long lastSeqNr(List<Row> rows) {
    return rows.get(rows.size() - 1).seqNr();
  }

  private CompletionStage<List<Row>> collect(AsyncResultSet page, List<Row> rows) {
    for (var row : page.currentPage()) {
      long seqNr = row.getLong(0);
      Row read = new Row(seqNr, event(row.getInt(1), row.getString(2), row.getByteBuffer(3)));
      if (rows.isEmpty() || lastSeqNr(rows) < seqNr) {
        rows.add(read);
      } else if (lastSeqNr(rows) == seqNr) {
        // written twice: only in a journal written before the seal (JournalFence) existed; the
        // newest row wins, as in recovery's replay filter (repair-by-discard-old)
        rows.set(rows.size() - 1, read);
      }
    }
    return page.hasMorePages()
        ? limit.run(page::fetchNextPage).thenCompose(next -> collect(next, rows))
        : CompletableFuture.completedFuture(rows);
  }

  private Object event(int serializerId, String manifest, ByteBuffer blob) {
    byte[] bytes = new byte[blob.remaining()];
    blob.get(bytes);
    return serialization.deserialize(bytes, serializerId, manifest).get();
  }
}
