package io.annals.node.http;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * An ask to a sharded entity that is sent again when no answer comes within one attempt, until the
 * whole timeout is spent. Cluster Sharding delivers at most once: a message that reaches a shard
 * while it is being handed off to another node (a rolling restart, a rebalance) is dropped. Every
 * command the routes send is safe to repeat: reads change nothing, and an append carries its event
 * ids, so a repeat of one already written is answered as the idempotent retry it is.
 */
final class RetryingAsk {
  private RetryingAsk() {}

  static <M, R> CompletionStage<R> ask(
      EntityRef<M> entity, Function<ActorRef<R>, M> message, Duration attempt, Duration total) {
    return ask(entity, message, attempt, System.nanoTime() + total.toNanos());
  }

  private static <M, R> CompletionStage<R> ask(
      EntityRef<M> entity, Function<ActorRef<R>, M> message, Duration attempt, long deadline) {
    Duration left = Duration.ofNanos(deadline - System.nanoTime());
    Duration timeout = left.compareTo(attempt) < 0 ? left : attempt;
    return entity
        .ask(message::apply, timeout)
        .handle(
            (reply, failure) -> {
              if (failure == null) {
                return CompletableFuture.completedFuture(reply);
              }
              Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
              boolean timeLeft = deadline - System.nanoTime() > Duration.ofMillis(50).toNanos();
              if (cause instanceof TimeoutException && timeLeft) {
                return ask(entity, message, attempt, deadline);
              }
              return CompletableFuture.<R>failedFuture(cause);
            })
        .thenCompose(Function.identity());
  }
}
