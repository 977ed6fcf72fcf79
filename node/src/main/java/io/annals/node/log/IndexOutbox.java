package io.annals.node.log;

import io.annals.node.journal.StoredEvent;
import io.annals.node.journal.StreamWritten;
import io.annals.node.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The node's index outbox: every stream entity of this node tells it each {@link StreamWritten},
 * and it asks the stream's two logs (its global-log partition and its category) to index the stream
 * up to that version. Requests for one log are sent as one {@link LogEntity.IndexBatch} at a time:
 * what arrives while a batch is unanswered waits (one request per stream, merged) and goes out as
 * the next batch once the log answers. So the index requests of many streams cost one message (and
 * one sharding hop) per log per write of that log, not two per append, and the log writes them as
 * one journal write (group commit across streams). A batch not answered within {@code retry} is
 * sent again, without events (the log writes only what it misses). On every recovery a stream tells
 * its version, so a crash between an acknowledgement and its indexing leaves nothing unindexed once
 * the stream is next active (the index sweep covers streams that are not, and the requests this
 * outbox held when its node stopped).
 */
public final class IndexOutbox {
  /** Entries per batch at most; a batch's events are bounded by {@link #BATCH_BYTES} too. */
  static final int BATCH_ENTRIES = 1000;

  /** Event bytes per batch, so that a batch sent to another node stays well within a frame. */
  static final int BATCH_BYTES = 96 * 1024;

  private IndexOutbox() {}

  private record Acked(LogEntity.BatchIndexed ack) {}

  private record Tick() {}

  /**
   * What stream entities are given: this outbox for a stream that is indexed, null for reserved
   * {@code $} streams.
   */
  public static Function<String, ActorRef<StreamWritten>> forStreams(
      ActorRef<StreamWritten> outbox) {
    return stream -> LogId.indexed(stream) ? outbox : null;
  }

  /** The outbox of a node whose logs have {@code partitions} global partitions. */
  public static Behavior<StreamWritten> create(int partitions, Duration retry) {
    return create(
        partitions,
        retry,
        system -> {
          ClusterSharding sharding = ClusterSharding.get(system);
          return logId -> sharding.entityRefFor(LogEntity.TYPE_KEY, logId);
        });
  }

  /** An outbox that reaches each log through {@code logs} (tests give it probes). */
  static Behavior<StreamWritten> create(
      int partitions,
      Duration retry,
      Function<ActorSystem<?>, Function<String, RecipientRef<LogEntity.Command>>> logs) {
    Behavior<Object> outbox =
        Behaviors.setup(
            ctx ->
                Behaviors.withTimers(
                    timers -> {
                      timers.startTimerWithFixedDelay(new Tick(), retry.dividedBy(2));
                      return new State(ctx, partitions, retry, logs.apply(ctx.getSystem()))
                          .behavior();
                    }));
    return Behaviors.supervise(outbox).onFailure(SupervisorStrategy.resume()).narrow();
  }

  /** One log's requests: those waiting, and the batch sent and not yet answered. */
  private static final class LogBox {
    final RecipientRef<LogEntity.Command> ref;
    final LinkedHashMap<String, LogEntity.Index> waiting = new LinkedHashMap<>();
    List<LogEntity.Index> unanswered = List.of();
    long batch;
    long sentAt;

    LogBox(RecipientRef<LogEntity.Command> ref) {
      this.ref = ref;
    }

    boolean idle() {
      return waiting.isEmpty() && unanswered.isEmpty();
    }
  }

  private static final class State {
    private final Function<String, RecipientRef<LogEntity.Command>> refs;
    private final int partitions;
    private final long retryNanos;
    private final ActorRef<LogEntity.BatchIndexed> acks;
    private final Metrics metrics;
    private final Map<String, LogBox> logs = new HashMap<>();

    State(
        ActorContext<Object> ctx,
        int partitions,
        Duration retry,
        Function<String, RecipientRef<LogEntity.Command>> refs) {
      this.refs = refs;
      this.partitions = partitions;
      this.retryNanos = retry.toNanos();
      this.acks = ctx.messageAdapter(LogEntity.BatchIndexed.class, Acked::new);
      this.metrics = Metrics.get(ctx.getSystem());
    }

    Behavior<Object> behavior() {
      return Behaviors.receive(Object.class)
          .onMessage(StreamWritten.class, this::onWritten)
          .onMessage(Acked.class, this::onAcked)
          .onMessage(Tick.class, t -> onTick())
          .build();
    }

    private Behavior<Object> onWritten(StreamWritten written) {
      for (String logId : LogId.logsOf(written.stream(), partitions)) {
        LogBox box = logs.computeIfAbsent(logId, id -> new LogBox(refs.apply(id)));
        box.waiting.merge(
            written.stream(),
            new LogEntity.Index(written.stream(), written.version(), written.events(), null),
            IndexOutbox::merge);
        send(box);
      }
      return Behaviors.same();
    }

    private Behavior<Object> onAcked(Acked acked) {
      LogBox box = logs.get(acked.ack().logId());
      if (box != null && acked.ack().batch() == box.batch) {
        box.unanswered = List.of();
        send(box);
        if (box.idle()) {
          logs.remove(acked.ack().logId());
        }
      }
      return Behaviors.same();
    }

    /** Sends again every batch unanswered for longer than the retry interval, without events. */
    private Behavior<Object> onTick() {
      long now = System.nanoTime();
      for (LogBox box : logs.values()) {
        if (!box.unanswered.isEmpty() && now - box.sentAt >= retryNanos) {
          metrics.indexRetries.increment();
          List<LogEntity.Index> bare = new ArrayList<>(box.unanswered.size());
          for (LogEntity.Index i : box.unanswered) {
            bare.add(new LogEntity.Index(i.stream(), i.to(), List.of(), null));
          }
          box.unanswered = bare;
          box.batch++;
          box.sentAt = now;
          box.ref.tell(new LogEntity.IndexBatch(bare, box.batch, acks));
        }
      }
      return Behaviors.same();
    }

    /** Sends the waiting requests of {@code box} as its next batch, unless one is unanswered. */
    private void send(LogBox box) {
      if (!box.unanswered.isEmpty() || box.waiting.isEmpty()) {
        return;
      }
      List<LogEntity.Index> batch = new ArrayList<>(Math.min(box.waiting.size(), BATCH_ENTRIES));
      int bytes = 0;
      Iterator<LogEntity.Index> it = box.waiting.values().iterator();
      while (it.hasNext() && batch.size() < BATCH_ENTRIES) {
        LogEntity.Index next = it.next();
        int size = bytes(next.events());
        if (!batch.isEmpty() && bytes + size > BATCH_BYTES) {
          break;
        }
        batch.add(next);
        bytes += size;
        it.remove();
      }
      box.unanswered = batch;
      box.batch++;
      box.sentAt = System.nanoTime();
      box.ref.tell(new LogEntity.IndexBatch(batch, box.batch, acks));
    }
  }

  /**
   * Two requests of one stream as one: the higher version, with the events of both when they are
   * consecutive (else the newer request's; the log hands the live tails an entry's events only when
   * they cover it, and tails without them send subscribers to the journal).
   */
  static LogEntity.Index merge(LogEntity.Index older, LogEntity.Index newer) {
    if (newer.to() <= older.to()) {
      return older;
    }
    List<StoredEvent> events = newer.events();
    if (!older.events().isEmpty()
        && !newer.events().isEmpty()
        && older.to() + 1 == newer.events().get(0).version()) {
      events = new ArrayList<>(older.events().size() + newer.events().size());
      events.addAll(older.events());
      events.addAll(newer.events());
    }
    return new LogEntity.Index(newer.stream(), newer.to(), events, null);
  }

  private static int bytes(List<StoredEvent> events) {
    int bytes = 64;
    for (StoredEvent e : events) {
      bytes += 128 + e.data().length() + (e.metadata() == null ? 0 : e.metadata().length());
    }
    return bytes;
  }
}
