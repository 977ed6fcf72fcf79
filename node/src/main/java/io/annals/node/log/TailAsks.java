package io.annals.node.log;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** Finds this node's live tail of a log (starting it on first use) and asks it things. */
final class TailAsks {
  private final ActorSystem<?> system;
  private final ActorRef<LogTails.Get> tails;
  private final Duration askTimeout;

  TailAsks(ActorSystem<?> system, ActorRef<LogTails.Get> tails, Duration askTimeout) {
    this.system = system;
    this.tails = tails;
    this.askTimeout = askTimeout;
  }

  /** {@code known}, or the tail of {@code logId} this node runs. */
  CompletionStage<ActorRef<LogTail.Command>> tail(String logId, ActorRef<LogTail.Command> known) {
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    return AskPattern.ask(tails, r -> new LogTails.Get(logId, r), askTimeout, system.scheduler());
  }

  CompletionStage<LogTail.Reply> ask(
      ActorRef<LogTail.Command> tail, Function<ActorRef<LogTail.Reply>, LogTail.Command> request) {
    return ask(tail, request, askTimeout);
  }

  CompletionStage<LogTail.Reply> ask(
      ActorRef<LogTail.Command> tail,
      Function<ActorRef<LogTail.Reply>, LogTail.Command> request,
      Duration timeout) {
    return AskPattern.ask(tail, request::apply, timeout, system.scheduler());
  }
}
