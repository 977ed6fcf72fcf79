package io.annals.node.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * Statements prepared on pekko-persistence-cassandra's own session (its driver configuration,
 * profiles and write-timestamp generator), prepared on first use and again after a failed attempt
 * (Cassandra was not up yet), then shared.
 *
 * @param <T> what the caller prepares: its statements together with the session
 */
final class PluginStatements<T> {
  static final String PLUGIN = "pekko.persistence.cassandra";

  private final ActorSystem<?> system;
  private final Function<CqlSession, CompletionStage<T>> prepare;
  private final AtomicReference<CompletableFuture<T>> prepared = new AtomicReference<>();

  PluginStatements(ActorSystem<?> system, Function<CqlSession, CompletionStage<T>> prepare) {
    this.system = system;
    this.prepare = prepare;
  }

  CompletionStage<T> get() {
    CompletableFuture<T> known = prepared.get();
    if (known != null && !known.isCompletedExceptionally()) {
      return known;
    }
    CompletableFuture<T> attempt = new CompletableFuture<>();
    if (!prepared.compareAndSet(known, attempt)) {
      return get();
    }
    CassandraSessionRegistry.get(system)
        .sessionFor(PLUGIN)
        .underlying()
        .thenCompose(prepare)
        .whenComplete(
            (p, failure) -> {
              if (failure != null) {
                attempt.completeExceptionally(failure);
              } else {
                attempt.complete(p);
              }
            });
    return attempt;
  }
}
