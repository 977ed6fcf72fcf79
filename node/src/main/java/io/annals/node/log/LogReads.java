package io.annals.node.log;

import io.annals.node.journal.JournalReads;
import io.annals.node.journal.StreamReader;
import io.annals.node.metrics.Metrics;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The read side of the logs, built once per node: page reads and read-your-writes ({@link
 * LogPages}), log subscriptions ({@link LogSubscriptions}) and stream subscriptions ({@link
 * StreamSubscriptions}), sharing this node's live tails.
 */
public record LogReads(
    LogPages pages, LogSubscriptions subscriptions, StreamSubscriptions streamSubscriptions) {

  /** What the read side is tuned by ({@code annals.subscriptions}, {@code annals.http}). */
  public record Settings(
      int partitions,
      int chunkEvents,
      int catchUpEvents,
      long catchUpBytes,
      Duration tailAskTimeout,
      Duration entityAskTimeout) {}

  public static LogReads create(
      ActorSystem<?> system,
      JournalReads journal,
      StreamReader streams,
      ActorRef<LogTails.Get> tails,
      Settings settings) {
    TailAsks asks = new TailAsks(system, tails, settings.tailAskTimeout());
    LogReader reader = new LogReader(journal, streams);
    return new LogReads(
        new LogPages(
            reader,
            asks,
            ClusterSharding.get(system),
            settings.partitions(),
            settings.entityAskTimeout()),
        new LogSubscriptions(
            reader,
            asks,
            settings.partitions(),
            settings.chunkEvents(),
            settings.catchUpEvents(),
            settings.catchUpBytes(),
            Metrics.get(system).catchUpSteps),
        new StreamSubscriptions(
            streams,
            asks,
            settings.catchUpEvents(),
            settings.catchUpBytes(),
            Metrics.get(system).catchUpSteps));
  }
}
