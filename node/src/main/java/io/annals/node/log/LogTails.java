package io.annals.node.log;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** This node's live tails, one per log that has subscribers here, started on first use. */
public final class LogTails {
  private LogTails() {}

  /** Answers the tail of {@code logId}, starting it when there is none. */
  public record Get(String logId, ActorRef<ActorRef<LogTail.Command>> replyTo) {}

  public static Behavior<Get> create(LogEntity.Settings settings) {
    return Behaviors.setup(
        ctx -> {
          Map<String, ActorRef<LogTail.Command>> tails = new HashMap<>();
          return Behaviors.receive(Get.class)
              .onMessage(
                  Get.class,
                  get -> {
                    ActorRef<LogTail.Command> tail =
                        tails.computeIfAbsent(
                            get.logId(),
                            id -> {
                              ActorRef<LogTail.Command> t =
                                  ctx.spawnAnonymous(LogTail.create(id, settings));
                              ctx.watch(t);
                              return t;
                            });
                    get.replyTo().tell(tail);
                    return Behaviors.same();
                  })
              .onSignal(
                  Terminated.class,
                  t -> {
                    tails.values().remove(t.getRef());
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
