package io.annals.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The raw Cassandra driver writing the same ~200-byte events into a copy of the journal's table
 * (created from the live table's own CQL), as the limit Annals' figures are compared with.
 */
final class RawDriverLoad implements AutoCloseable {
  private final CqlSession session;
  private final PreparedStatement insert;
  private final PreparedStatement pluginInsert;
  private final ByteBuffer payload =
      ByteBuffer.wrap(HttpAppends.PAYLOAD.getBytes(StandardCharsets.UTF_8));
  private final AtomicLongArray nextSeq = new AtomicLongArray(10_000);

  RawDriverLoad(String contactPoint, String journalKeyspace) {
    String[] hp = contactPoint.split(":");
    session =
        CqlSession.builder()
            // the driver's defaults only: the node's application.conf (also on this classpath)
            // would add its own contact point
            .withConfigLoader(DriverConfigLoader.fromClasspath("no-such-file"))
            .addContactPoint(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))
            .withLocalDatacenter("datacenter1")
            .build();
    String cql =
        session
            .getMetadata()
            .getKeyspace(journalKeyspace)
            .flatMap(k -> k.getTable("messages"))
            .orElseThrow()
            .describe(false)
            .replace("\"" + journalKeyspace + "\".", "bench_raw.")
            .replace(journalKeyspace + ".", "bench_raw.");
    session.execute(
        "CREATE KEYSPACE IF NOT EXISTS bench_raw WITH replication = {'class':'SimpleStrategy','replication_factor':1}");
    session.execute(cql.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"));
    insert =
        session.prepare(
            "INSERT INTO bench_raw.messages (persistence_id, partition_nr, sequence_nr, timestamp, writer_uuid, ser_id, ser_manifest, event_manifest, event) VALUES (?, 0, ?, ?, 'bench', 1, 'B', '', ?)");
    // the columns pekko-persistence-cassandra writes besides: a time bucket and an empty tag set
    // (which Cassandra stores as a collection tombstone in every row)
    pluginInsert =
        session.prepare(
            "INSERT INTO bench_raw.messages (persistence_id, partition_nr, sequence_nr, timestamp, writer_uuid, ser_id, ser_manifest, event_manifest, event, timebucket, tags) VALUES (?, 0, ?, ?, 'bench', 1, 'B', '', ?, '1765000000000', {})");
  }

  /** One single-row insert into partition {@code partition} (0..9999). */
  CompletableFuture<Integer> single(int partition) {
    long seq = nextSeq.incrementAndGet(partition);
    return session
        .executeAsync(insert.bind("raw-" + partition, seq, Uuids.timeBased(), payload.duplicate()))
        .toCompletableFuture()
        .thenApply(rs -> 1);
  }

  /** One unlogged batch of {@code size} rows into partition {@code partition}. */
  CompletableFuture<Integer> batch(int partition, int size) {
    BatchStatementBuilder b = BatchStatement.builder(DefaultBatchType.UNLOGGED);
    for (int i = 0; i < size; i++) {
      b.addStatement(
          insert.bind(
              "raw-" + partition,
              nextSeq.incrementAndGet(partition),
              Uuids.timeBased(),
              payload.duplicate()));
    }
    return session.executeAsync(b.build()).toCompletableFuture().thenApply(rs -> size);
  }

  /** The session, for counters read between runs. */
  CqlSession session() {
    return session;
  }

  /** The strict writer (Annals' rules, nothing more) on this session and table. */
  StrictWriter strict() {
    return new StrictWriter(session, insert, payload);
  }

  /** The strict writer with the plugin's row: a time bucket and an empty tag set too. */
  StrictWriter strictWithPluginRow() {
    return new StrictWriter(session, pluginInsert, payload);
  }

  @Override
  public void close() {
    session.close();
  }
}
