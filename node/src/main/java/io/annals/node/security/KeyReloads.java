package io.annals.node.security;

import io.annals.node.CborSerializable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per node, at {@code /user/api-keys}: reloads the node's {@link ApiKeys} every {@code refresh}
 * (every second until the first reload succeeds), and when asked by {@link #everywhere} after a key
 * was created or revoked, answering once the reload is done. So {@code DELETE /keys/{name}} answers
 * only when every reachable node has dropped the key.
 */
public final class KeyReloads {
  private static final Logger log = LoggerFactory.getLogger(KeyReloads.class);

  /** The name each node's reloader is spawned under (by the guardian: {@code /user/api-keys}). */
  static final String NAME = "api-keys";

  public sealed interface Command extends CborSerializable permits Reload {}

  /** Reload now, then tell {@code replyTo}. */
  public record Reload(ActorRef<Reloaded> replyTo) implements Command {}

  /** The node's keys are reloaded. */
  public record Reloaded() implements CborSerializable {}

  private record Tick() {}

  private record Done(Throwable failure) {}

  private KeyReloads() {}

  static Behavior<Command> create(ApiKeys keys, Duration refresh) {
    return Behaviors.<Object>setup(
            ctx -> {
              return Behaviors.withTimers(
                  timers -> {
                    timers.startSingleTimer(new Tick(), Duration.ZERO);
                    return Behaviors.receive(Object.class)
                        .onMessage(
                            Tick.class,
                            t -> {
                              ctx.pipeToSelf(keys.reload(), (ok, failure) -> new Done(failure));
                              return Behaviors.same();
                            })
                        .onMessage(
                            Done.class,
                            d -> {
                              if (d.failure() != null) {
                                log.debug("API keys not reloaded: {}", d.failure().toString());
                              }
                              timers.startSingleTimer(
                                  new Tick(),
                                  d.failure() == null ? refresh : Duration.ofSeconds(1));
                              return Behaviors.same();
                            })
                        .onMessage(
                            Reload.class,
                            r -> {
                              keys.reload()
                                  .whenComplete((ok, failure) -> r.replyTo().tell(new Reloaded()));
                              return Behaviors.same();
                            })
                        .build();
                  });
            })
        .narrow();
  }

  /**
   * Asks the key reloader of every Up member of the cluster (found by its path, {@code
   * /user/api-keys}, so a member that joined a moment ago counts too) to reload, and completes with
   * how many confirmed within {@code timeout}, of how many members.
   */
  static CompletionStage<int[]> everywhere(ActorSystem<?> system, Duration timeout) {
    var classic = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system);
    List<org.apache.pekko.actor.Address> members = new java.util.ArrayList<>();
    for (org.apache.pekko.cluster.Member m :
        org.apache.pekko.cluster.typed.Cluster.get(system).state().getMembers()) {
      if (m.status() == org.apache.pekko.cluster.MemberStatus.up()
          || m.status() == org.apache.pekko.cluster.MemberStatus.weaklyUp()) {
        members.add(m.address());
      }
    }
    List<CompletableFuture<Boolean>> confirmations =
        members.stream()
            .map(
                address ->
                    classic
                        .actorSelection(address + "/user/" + NAME)
                        .resolveOne(timeout)
                        .thenCompose(
                            ref ->
                                AskPattern.<Command, Reloaded>ask(
                                    org.apache.pekko.actor.typed.javadsl.Adapter.<Command>toTyped(
                                        ref),
                                    Reload::new,
                                    timeout,
                                    system.scheduler()))
                        .thenApply(done -> true)
                        .exceptionally(failure -> false)
                        .toCompletableFuture())
            .toList();
    return CompletableFuture.allOf(confirmations.toArray(CompletableFuture[]::new))
        .thenApply(
            all ->
                new int[] {
                  (int) confirmations.stream().filter(CompletableFuture::join).count(),
                  members.size()
                });
  }
}
