package io.annals.node.log;

import io.annals.node.journal.StreamWritten;
import io.annals.node.metrics.Metrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The index outbox of one stream: a child of the stream's entity, which tells it each {@link
 * StreamWritten}. It asks the stream's two logs (its global-log partition and its category) to
 * index the stream up to the durable version, with the newest events for their live tails, and asks
 * again, without events, every {@code retry} until each log acknowledged that version. On every
 * recovery the stream tells it its version, so a crash between an acknowledgement and its indexing
 * leaves nothing unindexed once the stream is next active (the index sweep covers streams that are
 * not).
 */
public final class IndexOutbox {
  private static final String RETRY = "retry";

  private IndexOutbox() {}

  /** A stream is acknowledged by a log: what the outbox receives besides {@link StreamWritten}. */
  private record Acked(LogEntity.IndexedUpTo ack) {}

  private record Retry() {}

  /**
   * What a stream entity is given: the outbox of a stream, or null for a stream that is not indexed
   * (reserved {@code $} streams) or when indexing is off ({@code partitions} 0).
   */
  public static Function<String, Behavior<StreamWritten>> factory(int partitions, Duration retry) {
    return stream ->
        partitions == 0 || !LogId.indexed(stream)
            ? null
            : create(LogId.logsOf(stream, partitions), retry);
  }

  static Behavior<StreamWritten> create(List<String> logs, Duration retry) {
    Behavior<Object> outbox =
        Behaviors.setup(
            ctx ->
                Behaviors.withTimers(
                    timers -> {
                      ClusterSharding sharding = ClusterSharding.get(ctx.getSystem());
                      List<EntityRef<LogEntity.Command>> refs =
                          logs.stream()
                              .map(log -> sharding.entityRefFor(LogEntity.TYPE_KEY, log))
                              .toList();
                      ActorRef<LogEntity.IndexedUpTo> acks =
                          ctx.messageAdapter(LogEntity.IndexedUpTo.class, Acked::new);
                      return new State(
                              logs, refs, acks, timers, retry, Metrics.get(ctx.getSystem()))
                          .behavior();
                    }));
    return Behaviors.supervise(outbox).onFailure(SupervisorStrategy.resume()).narrow();
  }

  /** The outbox's state: per log, the highest version it acknowledged. */
  private static final class State {
    private final List<String> logs;
    private final List<EntityRef<LogEntity.Command>> refs;
    private final ActorRef<LogEntity.IndexedUpTo> acks;
    private final TimerScheduler<Object> timers;
    private final Duration retry;
    private final Metrics metrics;
    private final Map<String, Long> indexed = new HashMap<>();
    private String stream;
    private long durable;

    State(
        List<String> logs,
        List<EntityRef<LogEntity.Command>> refs,
        ActorRef<LogEntity.IndexedUpTo> acks,
        TimerScheduler<Object> timers,
        Duration retry,
        Metrics metrics) {
      this.logs = logs;
      this.refs = refs;
      this.acks = acks;
      this.timers = timers;
      this.retry = retry;
      this.metrics = metrics;
    }

    Behavior<Object> behavior() {
      return Behaviors.receive(Object.class)
          .onMessage(StreamWritten.class, this::onWritten)
          .onMessage(Acked.class, this::onAcked)
          .onMessage(Retry.class, r -> onRetry())
          .build();
    }

    private Behavior<Object> onWritten(StreamWritten written) {
      stream = written.stream();
      durable = Math.max(durable, written.version());
      LogEntity.Index request = new LogEntity.Index(stream, durable, written.events(), acks);
      refs.forEach(log -> log.tell(request));
      if (!timers.isTimerActive(RETRY)) {
        timers.startSingleTimer(RETRY, new Retry(), retry);
      }
      return Behaviors.same();
    }

    private Behavior<Object> onAcked(Acked acked) {
      indexed.merge(acked.ack().logId(), acked.ack().version(), Math::max);
      return Behaviors.same();
    }

    /** Asks again every log that has not acknowledged the durable version yet. */
    private Behavior<Object> onRetry() {
      boolean behind = false;
      for (int i = 0; i < logs.size(); i++) {
        if (indexed.getOrDefault(logs.get(i), 0L) < durable) {
          behind = true;
          metrics.indexRetries.increment();
          refs.get(i).tell(new LogEntity.Index(stream, durable, List.of(), acks));
        }
      }
      if (behind) {
        timers.startSingleTimer(RETRY, new Retry(), retry);
      }
      return Behaviors.same();
    }
  }
}
