package io.annals.node.stream;

import io.annals.api.ExpectedVersion;
import io.annals.node.CborSerializable;
import io.annals.node.cluster.WriteFence;
import io.annals.node.journal.JournalFence;
import io.annals.node.log.LogEntity;
import io.annals.node.log.LogId;
import io.annals.node.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The sharded entity of one stream (entity id = stream name): a plain front actor that pipelines
 * appends. It keeps at most one journal write of its stream in flight; appends arriving meanwhile
 * queue (bounded by count), and when the write completes everything queued goes to its persistent
 * child {@link StreamJournal} as the next batch, which validates the appends in arrival order and
 * persists their events as one atomic journal write. When the child fails (journal down, write
 * timed out) every append in flight or queued is answered {@link Unavailable}; the child is started
 * again after a backoff and recovers from the journal before the stream takes more writes, so a
 * later event is never durable while an earlier one failed.
 */
public final class StreamEntity extends AbstractBehavior<StreamEntity.Command> {

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "stream");

  // ---- protocol -------------------------------------------------------------------------------

  /** Everything a stream entity accepts. */
  public sealed interface Command extends CborSerializable
      permits Append,
          GetVersion,
          GetSurface,
          Passivate,
          JournalReady,
          BatchWritten,
          RetryJournal,
          Sealed,
          Indexed,
          CheckIndex {}

  /** Append events if the stream satisfies {@code expectedVersion}; answered once durable. */
  public record Append(
      ExpectedVersion expectedVersion, List<NewEvent> events, ActorRef<AppendReply> replyTo)
      implements Command {
    int weight() {
      int w = 0;
      for (NewEvent e : events) {
        w += e.weight();
      }
      return w;
    }
  }

  /** Ask for the stream's current version (0 when never written), consistent with all acks. */
  public record GetVersion(ActorRef<VersionReply> replyTo) implements Command {}

  /**
   * Ask for a page of the surface: the newest valid event's version of each key after {@code
   * after}.
   */
  public record GetSurface(String after, int limit, ActorRef<SurfaceReply> replyTo)
      implements Command {}

  /** Sharding's stop message: stop once nothing is in flight. */
  public record Passivate() implements Command {}

  record JournalReady(long version) implements Command {}

  /** The journal wrote a batch: {@code events} are now durable (none when nothing was new). */
  record BatchWritten(List<StoredEvent> events) implements Command {}

  record RetryJournal() implements Command {}

  /**
   * The journal is sealed above the recovered version for incarnation {@code journal} of the child
   * ({@code failure} null), or the seal failed.
   */
  record Sealed(int journal, Throwable failure) implements Command {}

  /** A log acknowledged that it indexed this stream up to a version. */
  record Indexed(LogEntity.IndexedUpTo ack) implements Command {}

  /** Re-send to every log that has not acknowledged the durable version yet. */
  record CheckIndex() implements Command {}

  /** The answer to an {@link Append}. */
  public sealed interface AppendReply extends CborSerializable
      permits Appended,
          AlreadyAppended,
          WrongExpectedVersion,
          IdempotencyConflict,
          UnknownTransaction,
          NotInvalidatable,
          TooManyKeys,
          Unavailable {}

  /** One event's outcome: the version it got, or the earlier version it was de-duplicated to. */
  public record EventOutcome(UUID id, long version, boolean deduplicated)
      implements CborSerializable {}

  /** The events are durable. */
  public record Appended(
      long firstVersion, long lastVersion, long transaction, List<EventOutcome> events)
      implements AppendReply {}

  /** An exact retry of an earlier append: nothing was written, this is the original answer. */
  public record AlreadyAppended(
      long firstVersion, long lastVersion, long transaction, List<EventOutcome> events)
      implements AppendReply {}

  /** The stream was not at the expected version; nothing was written. */
  public record WrongExpectedVersion(String expected, long actual) implements AppendReply {}

  /** Some ids were appended before, but not as this exact request; nothing was written. */
  public record IdempotencyConflict(String detail) implements AppendReply {}

  /** An invalidation named a transaction the stream does not have (it is at {@code latest}). */
  public record UnknownTransaction(long transaction, long latest) implements AppendReply {}

  /** An invalidation of a transaction already invalidated, or of an invalidation. */
  public record NotInvalidatable(long transaction, String detail) implements AppendReply {}

  /** The append would give the stream more than {@code limit} keys. */
  public record TooManyKeys(int limit) implements AppendReply {}

  /** The journal could not take the write (or the stream's queue is full); retry later. */
  public record Unavailable(String detail) implements AppendReply, VersionReply, SurfaceReply {}

  /** The answer to {@link GetVersion}. */
  public sealed interface VersionReply extends CborSerializable
      permits CurrentVersion, Unavailable {}

  /** The version and the invalidated transactions (whose events reads may leave out). */
  public record CurrentVersion(long version, Set<Long> invalidated) implements VersionReply {}

  /** The answer to {@link GetSurface}. */
  public sealed interface SurfaceReply extends CborSerializable permits SurfacePage, Unavailable {}

  /**
   * Keys in key order with the version of their newest valid event; {@code more} if keys follow.
   */
  public record SurfacePage(long version, List<SurfaceEntry> entries, boolean more)
      implements SurfaceReply {}

  public record SurfaceEntry(String key, long version) implements CborSerializable {}

  // ---- wiring ---------------------------------------------------------------------------------

  /** Tunables of one stream's write path, read once from {@code annals.stream}. */
  public record Settings(
      int maxQueuedAppends,
      int maxBatchEvents,
      int maxBatchBytes,
      int idempotencyWindow,
      Duration minBackoff,
      Duration maxBackoff,
      int snapshotEvery,
      int maxKeys,
      int logPartitions,
      Duration indexRetry,
      Duration idempotencyWindowTime,
      int idempotencyWindowMax) {

    /** An id window of exactly {@code idempotencyWindow} ids (no time part). */
    public Settings(
        int maxQueuedAppends,
        int maxBatchEvents,
        int maxBatchBytes,
        int idempotencyWindow,
        Duration minBackoff,
        Duration maxBackoff,
        int snapshotEvery,
        int maxKeys,
        int logPartitions,
        Duration indexRetry) {
      this(
          maxQueuedAppends,
          maxBatchEvents,
          maxBatchBytes,
          idempotencyWindow,
          minBackoff,
          maxBackoff,
          snapshotEvery,
          maxKeys,
          logPartitions,
          indexRetry,
          Duration.ZERO,
          idempotencyWindow);
    }

    /** Indexing in the global and category logs is off (tests of the write path alone). */
    public boolean indexingOff() {
      return logPartitions == 0;
    }
  }

  public static void init(ClusterSharding sharding, Settings settings) {
    sharding.init(
        Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), settings))
            .withStopMessage(new Passivate()));
  }

  public static Behavior<Command> create(String stream, Settings settings) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new StreamEntity(ctx, timers, stream, settings)));
  }

  // ---- behaviour ------------------------------------------------------------------------------

  private static final String CHECK_INDEX = "check-index";
  private final TimerScheduler<Command> timers;
  private final String stream;
  private final Settings settings;
  private final ArrayDeque<Append> queue = new ArrayDeque<>();
  private ActorRef<StreamJournal.Command> journal;
  private int incarnation;
  private boolean journalReady;
  // the journal is sealed above the recovered version (see JournalFence): writes may start
  private boolean sealed;
  private boolean sealing;
  private List<Append> inFlight = List.of();
  private Duration backoff;
  private boolean stopWhenDrained;
  private final Metrics metrics;
  private final WriteFence fence;

  /** The logs this stream is indexed in (none for reserved streams or with indexing off). */
  private final List<String> logs;

  /** The sharded entities of {@link #logs}, in the same order. */
  private final List<EntityRef<LogEntity.Command>> logRefs;

  /** Per log, the highest version it acknowledged; the stream re-sends until it reaches durable. */
  private final Map<String, Long> indexed = new HashMap<>();

  private final ActorRef<LogEntity.IndexedUpTo> indexAcks;
  private long durable;

  private StreamEntity(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, String stream, Settings settings) {
    super(ctx);
    this.timers = timers;
    this.stream = stream;
    this.settings = settings;
    this.backoff = settings.minBackoff();
    this.metrics = Metrics.get(ctx.getSystem());
    this.fence = WriteFence.get(ctx.getSystem());
    this.logs =
        settings.indexingOff() || !LogId.indexed(stream)
            ? List.of()
            : LogId.logsOf(stream, settings.logPartitions());
    // no sharding lookup without logs: unit tests run the entity on a local actor system
    this.logRefs =
        logs.isEmpty()
            ? List.of()
            : logs.stream()
                .map(
                    log ->
                        ClusterSharding.get(ctx.getSystem()).entityRefFor(LogEntity.TYPE_KEY, log))
                .toList();
    this.indexAcks = ctx.messageAdapter(LogEntity.IndexedUpTo.class, Indexed::new);
    metrics.activeStreams.increment();
    startJournal();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Append.class, this::onAppend)
        .onMessage(GetVersion.class, this::onGetVersion)
        .onMessage(GetSurface.class, this::onGetSurface)
        .onMessage(JournalReady.class, this::onJournalReady)
        .onMessage(BatchWritten.class, this::onBatchWritten)
        .onMessage(RetryJournal.class, this::onRetryJournal)
        .onMessage(Sealed.class, this::onSealed)
        .onMessage(Indexed.class, this::onIndexed)
        .onMessage(CheckIndex.class, c -> onCheckIndex())
        .onMessage(Passivate.class, this::onPassivate)
        .onSignal(ChildFailed.class, this::onJournalStopped)
        .onSignal(Terminated.class, this::onJournalStopped)
        .onSignal(
            PostStop.class,
            stop -> {
              metrics.activeStreams.decrement();
              return this;
            })
        .build();
  }

  private Behavior<Command> onAppend(Append append) {
    if (journal == null) {
      append.replyTo().tell(new Unavailable("the journal of stream " + stream + " is unavailable"));
    } else if (queue.size() >= settings.maxQueuedAppends()) {
      metrics.appendsUnavailable.increment();
      append
          .replyTo()
          .tell(
              new Unavailable(
                  "stream " + stream + " has " + queue.size() + " appends queued; retry later"));
    } else {
      queue.add(append);
      writeNextBatch();
    }
    // a closed write fence answers the queue at once: a stream told to passivate may now stop
    return stopIfDrained();
  }

  private Behavior<Command> onGetVersion(GetVersion get) {
    if (journal == null) {
      get.replyTo().tell(new Unavailable("the journal of stream " + stream + " is unavailable"));
    } else {
      // the journal stashes this behind a write in flight, so the version covers every ack sent
      journal.tell(new StreamJournal.GetVersion(get.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onGetSurface(GetSurface get) {
    if (journal == null) {
      get.replyTo().tell(new Unavailable("the journal of stream " + stream + " is unavailable"));
    } else {
      journal.tell(new StreamJournal.GetSurface(get.after(), get.limit(), get.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onJournalReady(JournalReady ready) {
    journalReady = true;
    backoff = settings.minBackoff();
    durable = ready.version();
    if (durable > 0) {
      // a crash may have left acknowledged events unindexed: the logs fill in whatever they miss
      index(List.of());
    }
    writeNextBatch();
    return stopIfDrained();
  }

  private Behavior<Command> onBatchWritten(BatchWritten written) {
    inFlight = List.of();
    if (!written.events().isEmpty()) {
      durable = written.events().get(written.events().size() - 1).version();
      index(written.events());
    }
    writeNextBatch();
    return stopIfDrained();
  }

  /** Asks each log to index this stream up to {@link #durable}, with the newest events. */
  private void index(List<StoredEvent> events) {
    LogEntity.Index request = new LogEntity.Index(stream, durable, events, indexAcks);
    logRefs.forEach(log -> log.tell(request));
    if (!logs.isEmpty() && !timers.isTimerActive(CHECK_INDEX)) {
      timers.startSingleTimer(CHECK_INDEX, new CheckIndex(), settings.indexRetry());
    }
  }

  private Behavior<Command> onIndexed(Indexed acked) {
    indexed.merge(acked.ack().logId(), acked.ack().version(), Math::max);
    return this;
  }

  private Behavior<Command> onCheckIndex() {
    boolean behind = false;
    for (int i = 0; i < logs.size(); i++) {
      if (indexed.getOrDefault(logs.get(i), 0L) < durable) {
        behind = true;
        metrics.indexRetries.increment();
        logRefs.get(i).tell(new LogEntity.Index(stream, durable, List.of(), indexAcks));
      }
    }
    if (behind) {
      timers.startSingleTimer(CHECK_INDEX, new CheckIndex(), settings.indexRetry());
    }
    return this;
  }

  private void writeNextBatch() {
    if (!journalReady || !inFlight.isEmpty() || queue.isEmpty()) {
      return;
    }
    String fenced = fence.closedBecause();
    if (fenced != null) {
      // cut off from the cluster majority: another node may take this stream over, so write nothing
      metrics.appendsUnavailable.add(queue.size());
      queue.forEach(a -> a.replyTo().tell(new Unavailable(fenced)));
      queue.clear();
      return;
    }
    if (!sealed) {
      seal();
      return;
    }
    List<Append> batch = new ArrayList<>();
    int events = 0;
    int bytes = 0;
    while (!queue.isEmpty()) {
      Append next = queue.peek();
      boolean full =
          events + next.events().size() > settings.maxBatchEvents()
              || bytes + next.weight() > settings.maxBatchBytes();
      if (full && !batch.isEmpty()) {
        break;
      }
      queue.poll();
      batch.add(next);
      events += next.events().size();
      bytes += next.weight();
    }
    inFlight = batch;
    journal.tell(new StreamJournal.WriteBatch(batch, getContext().getSelf()));
  }

  /**
   * Before the first write of a recovered child: a write of an earlier child (or of this stream on
   * another node) that failed but may still reach Cassandra must never become visible beside the
   * writes that follow, so the journal is sealed above the recovered version first.
   */
  private void seal() {
    if (sealing) {
      return;
    }
    sealing = true;
    int child = incarnation;
    getContext()
        .pipeToSelf(
            JournalFence.get(getContext().getSystem())
                .sealAbove(StreamJournal.persistenceId(stream).id(), durable),
            (done, failure) -> new Sealed(child, failure));
  }

  private Behavior<Command> onSealed(Sealed result) {
    if (result.journal() != incarnation || journal == null) {
      return this; // a seal of a child that has stopped since
    }
    sealing = false;
    if (result.failure() != null) {
      getContext()
          .getLog()
          .warn("Sealing the journal of stream {} failed: {}", stream, result.failure().toString());
      journalReady = false;
      getContext().stop(journal); // answered 503 and recovered again, like a failed write
      return this;
    }
    sealed = true;
    writeNextBatch();
    return stopIfDrained();
  }

  private Behavior<Command> onJournalStopped(Terminated stopped) {
    String detail = "the journal write of stream " + stream + " failed; retry later";
    getContext()
        .getLog()
        .warn(
            "Journal of stream {} stopped; answering {} appends 503",
            stream,
            inFlight.size() + queue.size());
    metrics.journalFailures.increment();
    metrics.appendsUnavailable.add(inFlight.size() + queue.size());
    inFlight.forEach(a -> a.replyTo().tell(new Unavailable(detail)));
    queue.forEach(a -> a.replyTo().tell(new Unavailable(detail)));
    inFlight = List.of();
    queue.clear();
    journal = null;
    journalReady = false;
    sealed = false;
    sealing = false;
    if (stopWhenDrained) {
      return Behaviors.stopped();
    }
    timers.startSingleTimer(new RetryJournal(), backoff);
    backoff =
        backoff.multipliedBy(2).compareTo(settings.maxBackoff()) > 0
            ? settings.maxBackoff()
            : backoff.multipliedBy(2);
    return this;
  }

  private Behavior<Command> onRetryJournal(RetryJournal retry) {
    if (journal == null) {
      startJournal();
    }
    return this;
  }

  private Behavior<Command> onPassivate(Passivate passivate) {
    stopWhenDrained = true;
    return stopIfDrained();
  }

  private Behavior<Command> stopIfDrained() {
    return stopWhenDrained && inFlight.isEmpty() && queue.isEmpty() ? Behaviors.stopped() : this;
  }

  private void startJournal() {
    incarnation++;
    journal =
        getContext()
            .spawn(StreamJournal.create(stream, getContext().getSelf(), settings), "journal");
    getContext().watch(journal);
  }
}
