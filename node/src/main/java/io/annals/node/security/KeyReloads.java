package io.annals.node.security;

import io.annals.node.CborSerializable;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per node, registered with the receptionist: reloads the node's {@link ApiKeys} every {@code
 * refresh} (every second until the first reload succeeds), and when asked by {@link #everywhere}
 * after a key was created or revoked, answering once the reload is done. So {@code DELETE
 * /keys/{name}} answers only when every reachable node has dropped the key.
 */
public final class KeyReloads {
  private static final Logger log = LoggerFactory.getLogger(KeyReloads.class);
  static final ServiceKey<Command> SERVICE = ServiceKey.create(Command.class, "annals-api-keys");

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
              ctx.getSystem()
                  .receptionist()
                  .tell(Receptionist.register(SERVICE, ctx.getSelf().narrow()));
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
   * Asks every node's key reloader to reload, and completes with how many of {@code asked} nodes
   * confirmed within {@code timeout}.
   */
  static CompletionStage<int[]> everywhere(ActorSystem<?> system, Duration timeout) {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(),
            reply -> Receptionist.find(SERVICE, reply),
            timeout,
            system.scheduler())
        .thenCompose(
            listing -> {
              Set<ActorRef<Command>> nodes = listing.getServiceInstances(SERVICE);
              List<CompletableFuture<Boolean>> confirmations =
                  nodes.stream()
                      .map(
                          node ->
                              AskPattern.<Command, Reloaded>ask(
                                      node, Reload::new, timeout, system.scheduler())
                                  .thenApply(done -> true)
                                  .exceptionally(failure -> false)
                                  .toCompletableFuture())
                      .toList();
              return CompletableFuture.allOf(confirmations.toArray(CompletableFuture[]::new))
                  .thenApply(
                      all ->
                          new int[] {
                            (int) confirmations.stream().filter(CompletableFuture::join).count(),
                            nodes.size()
                          });
            });
  }
}
