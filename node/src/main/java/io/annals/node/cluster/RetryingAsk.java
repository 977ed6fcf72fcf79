package io.annals.node.cluster;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * An ask to a sharded entity that is sent again when no answer comes within one attempt, until the
 * whole timeout is spent. Cluster Sharding delivers at most once: a message that reaches a shard
 * while it is being handed off to another node (a rolling restart, a rebalance) is dropped. Every
 * command the routes (and the index sweep) send is safe to repeat: reads change nothing, an append
 * carries its event ids, so a repeat of one already written is answered as the idempotent retry it
 * is, and a log indexes a stream's versions only once.
 */
public final class RetryingAsk {
  private RetryingAsk() {}

  public static <M, R> CompletionStage<R> ask(
      EntityRef<M> entity, Function<ActorRef<R>, M> message, Duration attempt, Duration total) {
    return ask(entity, message, attempt, System.nanoTime() + total.toNanos());
  }

  private static <M, R> CompletionStage<R> ask(
      EntityRef<M> entity, Function<ActorRef<R>, M> message, Duration attempt, long deadline) {
    Duration left = Duration.ofNanos(deadline - System.nanoTime());
    Duration timeout = left.compareTo(attempt) < 0 ? left : attempt;
    CompletableFuture<R> answer = new CompletableFuture<>();
    // the continuation runs on the thread that completes the ask (SAME_THREAD): the stage Pekko
    // returns would otherwise hand a non-async continuation to CompletableFuture's default
    // executor, which on a 2-core machine starts a new thread per task
    entity
        .ask(message::apply, timeout)
        .whenCompleteAsync(
            (reply, failure) -> {
              if (failure == null) {
                answer.complete(reply);
                return;
              }
              Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
              boolean timeLeft = deadline - System.nanoTime() > Duration.ofMillis(50).toNanos();
              if (cause instanceof TimeoutException && timeLeft) {
                ask(entity, message, attempt, deadline)
                    .whenCompleteAsync(
                        (again, stillFailing) -> {
                          if (stillFailing == null) {
                            answer.complete(again);
                          } else {
                            answer.completeExceptionally(stillFailing);
                          }
                        },
                        SAME_THREAD);
              } else {
                answer.completeExceptionally(cause);
              }
            },
            SAME_THREAD);
    return answer;
  }

  private static final Executor SAME_THREAD = Runnable::run;
}
