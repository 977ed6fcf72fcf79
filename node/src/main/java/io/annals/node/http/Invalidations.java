package io.annals.node.http;

import io.annals.node.cluster.RetryingAsk;
import io.annals.node.journal.StoredEvent;
import io.annals.node.stream.StreamEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * {@code excludeInvalidated=true} across streams: asks each stream of a page or chunk for its
 * invalidated transactions (one ask per distinct stream) and leaves their events out. The {@code
 * $invalidate} events themselves stay: they are valid events.
 */
final class Invalidations {
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Duration askAttempt;

  Invalidations(ClusterSharding sharding, Duration askAttempt, Duration askTimeout) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.askAttempt = askAttempt;
  }

  /** The items whose event belongs to no invalidated transaction, in their order. */
  <T> CompletionStage<List<T>> valid(List<T> items, Function<T, StoredEvent> eventOf) {
    Set<String> streams = new LinkedHashSet<>();
    items.forEach(i -> streams.add(eventOf.apply(i).stream()));
    Map<String, CompletableFuture<StreamEntity.VersionReply>> asks = new HashMap<>();
    for (String s : streams) {
      asks.put(
          s,
          RetryingAsk.<StreamEntity.Command, StreamEntity.VersionReply>ask(
                  sharding.entityRefFor(StreamEntity.TYPE_KEY, s),
                  StreamEntity.GetVersion::new,
                  askAttempt,
                  askTimeout)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.values().toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              List<T> out = new ArrayList<>(items.size());
              for (T item : items) {
                StoredEvent e = eventOf.apply(item);
                if (!invalidated(e.stream(), asks.get(e.stream()).join())
                    .contains(e.transaction())) {
                  out.add(item);
                }
              }
              return out;
            });
  }

  private static Set<Long> invalidated(String stream, StreamEntity.VersionReply reply) {
    if (reply instanceof StreamEntity.CurrentVersion v) {
      return v.invalidated();
    }
    throw new CompletionException(
        new Unavailable(
            Problems.unavailableProblem(stream, (StreamEntity.Unavailable) reply).detail()));
  }
}
