package io.annals.node.security;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * The API keys created over the API, in table {@code api_keys} of the journal's keyspace: one row
 * per key name with its id, the SHA-256 of its secret, and its grants as JSON. Written and read
 * through pekko-persistence-cassandra's session with its profile (QUORUM), so every node sees a key
 * once {@code POST /keys} answered. Names are claimed with a lightweight transaction.
 */
final class KeyTable {
  private static final String PROFILE = "pekko-persistence-cassandra-profile";
  private final ActorSystem<?> system;
  private final String table;
  private final boolean autocreate;
  private final AtomicReference<CompletableFuture<CqlSession>> ready = new AtomicReference<>();

  KeyTable(ActorSystem<?> system) {
    var journal = system.settings().config().getConfig("pekko.persistence.cassandra.journal");
    this.system = system;
    this.table = journal.getString("keyspace") + ".api_keys";
    this.autocreate = journal.getBoolean("tables-autocreate");
  }

  /** The table's definition (also in the production schema, k8s/.../annals-schema.cql). */
  String createStatement() {
    return "CREATE TABLE IF NOT EXISTS "
        + table
        + " (name text PRIMARY KEY, id text, sha256 text, grants text, created timestamp)";
  }

  /** Every key in the table. */
  CompletionStage<List<ApiKey>> all() {
    return run("SELECT name, id, sha256, grants, created FROM " + table)
        .thenCompose(rs -> collect(rs, new ArrayList<>()));
  }

  /** Stores {@code key} unless its name is taken; true if stored. */
  CompletionStage<Boolean> insertNew(ApiKey key) {
    return run(
            "INSERT INTO "
                + table
                + " (name, id, sha256, grants, created) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS",
            key.name(),
            key.id(),
            key.sha256(),
            GrantsJson.toText(key.grants()),
            key.created())
        .thenApply(AsyncResultSet::wasApplied);
  }

  /** Deletes the key called {@code name}; true if there was one. */
  CompletionStage<Boolean> delete(String name) {
    return run("DELETE FROM " + table + " WHERE name = ? IF EXISTS", name)
        .thenApply(AsyncResultSet::wasApplied);
  }

  private CompletionStage<AsyncResultSet> run(String cql, Object... values) {
    return session()
        .thenCompose(
            s ->
                s.executeAsync(
                    SimpleStatement.newInstance(cql, values).setExecutionProfileName(PROFILE)));
  }

  /** The plugin's session, once the table exists (created here in dev mode; again on failure). */
  private CompletionStage<CqlSession> session() {
    CompletableFuture<CqlSession> known = ready.get();
    if (known != null && !known.isCompletedExceptionally()) {
      return known;
    }
    CompletableFuture<CqlSession> attempt = new CompletableFuture<>();
    if (!ready.compareAndSet(known, attempt)) {
      return session();
    }
    CassandraSessionRegistry.get(system)
        .sessionFor("pekko.persistence.cassandra")
        .underlying()
        .thenCompose(
            s ->
                autocreate
                    ? s.executeAsync(
                            SimpleStatement.newInstance(createStatement())
                                .setTimeout(Duration.ofSeconds(20)))
                        .thenApply(created -> s)
                    : CompletableFuture.completedFuture(s))
        .whenComplete(
            (s, failure) -> {
              if (failure != null) {
                attempt.completeExceptionally(failure);
              } else {
                attempt.complete(s);
              }
            });
    return attempt;
  }

  private static CompletionStage<List<ApiKey>> collect(AsyncResultSet rs, List<ApiKey> into) {
    for (Row row : rs.currentPage()) {
      into.add(
          new ApiKey(
              row.getString("name"),
              row.getString("id"),
              row.getString("sha256"),
              GrantsJson.parseText(row.getString("grants")),
              row.getInstant("created") == null ? Instant.EPOCH : row.getInstant("created"),
              false));
    }
    return rs.hasMorePages()
        ? rs.fetchNextPage().thenCompose(next -> collect(next, into))
        : CompletableFuture.completedFuture(into);
  }
}
