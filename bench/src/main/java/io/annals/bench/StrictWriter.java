package io.annals.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The physical limit of Annals' job: the Cassandra driver alone, writing into a copy of the
 * journal's table, obeying Annals' rules and nothing more. At most one write in flight per stream;
 * what arrives for a stream meanwhile waits and goes out as its next write, an unlogged batch of at
 * most {@link #MAX_BATCH} events (a single insert when it is one event) to the stream's partition;
 * an append is acknowledged when the write that carries it completes. No HTTP, no actors, no
 * validation, no indexing, no recovery: every figure of Annals is reported as a ratio to this
 * writer's, measured in the same sitting with the same in-flight count.
 */
final class StrictWriter {
  static final int MAX_BATCH = 100;

  private final CqlSession session;
  private final PreparedStatement insert;
  private final ByteBuffer payload;
  private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();

  /** One append waiting for its write. */
  private record Pending(int events, CompletableFuture<Integer> done) {}

  /** A stream's writer: its next version, its write in flight, the appends waiting behind it. */
  private static final class Stream {
    long version;
    boolean writing;
    final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  }

  StrictWriter(CqlSession session, PreparedStatement insert, ByteBuffer payload) {
    this.session = session;
    this.insert = insert;
    this.payload = payload;
  }

  /** Appends {@code events} events to {@code stream}; completes with the count once durable. */
  CompletableFuture<Integer> append(String stream, int events) {
    Stream s = streams.computeIfAbsent(stream, k -> new Stream());
    Pending p = new Pending(events, new CompletableFuture<>());
    synchronized (s) {
      s.waiting.add(p);
      if (s.writing) {
        return p.done();
      }
      s.writing = true;
    }
    writeNext(stream, s);
    return p.done();
  }

  /**
   * Sends what waits for {@code s} (up to MAX_BATCH events) as one write; again when it is done.
   */
  private void writeNext(String stream, Stream s) {
    List<Pending> batch = new ArrayList<>();
    long first;
    int events = 0;
    synchronized (s) {
      while (!s.waiting.isEmpty()
          && (batch.isEmpty() || events + s.waiting.peek().events() <= MAX_BATCH)) {
        Pending p = s.waiting.poll();
        batch.add(p);
        events += p.events();
      }
      if (batch.isEmpty()) {
        s.writing = false;
        return;
      }
      first = s.version + 1;
      s.version += events;
    }
    Statement<?> write;
    if (events == 1) {
      write = insert.bind(stream, first, Uuids.timeBased(), payload.duplicate());
    } else {
      BatchStatementBuilder b = BatchStatement.builder(DefaultBatchType.UNLOGGED);
      for (int i = 0; i < events; i++) {
        b.addStatement(insert.bind(stream, first + i, Uuids.timeBased(), payload.duplicate()));
      }
      write = b.build();
    }
    session
        .executeAsync(write)
        .whenComplete(
            (rs, failure) -> {
              // a failed write fails everything that waited behind it too, like Annals
              List<Pending> failed = new ArrayList<>();
              if (failure != null) {
                synchronized (s) {
                  failed.addAll(s.waiting);
                  s.waiting.clear();
                }
              }
              for (Pending p : batch) {
                p.done().complete(failure == null ? p.events() : 0);
              }
              failed.forEach(p -> p.done().complete(0));
              writeNext(stream, s);
            });
  }
}
