package io.annals.node.stream;

import io.annals.api.ExpectedVersion;
import io.annals.node.CborSerializable;
import io.annals.node.cluster.WriteFence;
import io.annals.node.journal.JournalChild;
import io.annals.node.journal.StoredEvent;
import io.annals.node.journal.StreamIds;
import io.annals.node.journal.StreamWritten;
import io.annals.node.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
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
      EntityTypeKey.create(Command.class, StreamIds.TYPE);

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
          Sealed {}

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
   * The journal is sealed above the recovered version for life {@code journal} of the child ({@code
   * failure} null), or the seal failed (see {@link JournalChild}).
   */
  record Sealed(int journal, Throwable failure) implements Command {}

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
  public record WrongExpectedVersion(ExpectedVersion expected, long actual)
      implements AppendReply {}

  /**
   * Some ids were appended before, but not as this exact request; nothing was written. {@code
   * eventId} is the id in question (null when the ids as a whole do not match), {@code version}
   * where it was written, {@code transaction} (and {@code otherTransaction}) the earlier appends.
   */
  public record IdempotencyConflict(
      Conflict conflict, UUID eventId, long version, long transaction, long otherTransaction)
      implements AppendReply {

    public enum Conflict {
      /** The id was written before with other content. */
      OTHER_CONTENT,
      /** The ids belong to two different earlier appends. */
      SEVERAL_APPENDS,
      /** The ids repeat only part of an earlier append, or not in its order. */
      PARTIAL_REPEAT
    }
  }

  /** An invalidation named a transaction the stream does not have (it is at {@code latest}). */
  public record UnknownTransaction(long transaction, long latest) implements AppendReply {}

  /** An invalidation of a transaction already invalidated, or of an invalidation. */
  public record NotInvalidatable(long transaction, boolean isInvalidation) implements AppendReply {}

  /** The append would give the stream more than {@code limit} keys. */
  public record TooManyKeys(int limit) implements AppendReply {}

  /**
   * The stream cannot take the request now; retry later. {@code queued}: the appends waiting (for
   * {@link Cause#QUEUE_FULL}); {@code seen} of {@code members}: the cluster as this node sees it
   * (for {@link Cause#NO_MAJORITY}).
   */
  public record Unavailable(Cause cause, int queued, int seen, int members)
      implements AppendReply, VersionReply, SurfaceReply {

    public enum Cause {
      /** The stream's journal is starting (recovering) after a start or a failure. */
      JOURNAL_STARTING,
      /** Too many appends wait behind the write in flight. */
      QUEUE_FULL,
      /** The journal write failed or timed out (it may still land: retry with the same ids). */
      WRITE_FAILED,
      /** This node is cut off from the cluster's majority (the write fence is closed). */
      NO_MAJORITY
    }

    static Unavailable of(Cause cause) {
      return new Unavailable(cause, 0, 0, 0);
    }
  }

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
        int maxKeys) {
      this(
          maxQueuedAppends,
          maxBatchEvents,
          maxBatchBytes,
          idempotencyWindow,
          minBackoff,
          maxBackoff,
          snapshotEvery,
          maxKeys,
          Duration.ZERO,
          idempotencyWindow);
    }
  }

  /**
   * Starts sharding of stream entities. {@code indexer} gives a stream the actor to tell of its
   * durable writes (the log package's index outbox), or null when nobody follows its writes.
   */
  public static void init(
      ClusterSharding sharding,
      Settings settings,
      Function<String, ActorRef<StreamWritten>> indexer) {
    sharding.init(
        Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, indexer))
            .withStopMessage(new Passivate()));
  }

  /** A stream whose writes nobody follows (tests of the write path alone). */
  public static Behavior<Command> create(String stream, Settings settings) {
    return create(stream, settings, s -> null);
  }

  public static Behavior<Command> create(
      String stream, Settings settings, Function<String, ActorRef<StreamWritten>> indexer) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new StreamEntity(ctx, timers, stream, settings, indexer.apply(stream))));
  }

  // ---- behaviour ------------------------------------------------------------------------------

  private final TimerScheduler<Command> timers;
  private final String stream;
  private final Settings settings;
  private final ArrayDeque<Append> queue = new ArrayDeque<>();
  private final JournalChild<StreamJournal.Command, Command> journal;
  private List<Append> inFlight = List.of();
  private boolean stopWhenDrained;
  private final Metrics metrics;
  private final WriteFence fence;

  /** Told of every durable write and recovery (the index outbox), or null. */
  private final ActorRef<StreamWritten> indexer;

  private long durable;

  private StreamEntity(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String stream,
      Settings settings,
      ActorRef<StreamWritten> indexer) {
    super(ctx);
    this.timers = timers;
    this.stream = stream;
    this.settings = settings;
    this.metrics = Metrics.get(ctx.getSystem());
    this.fence = WriteFence.get(ctx.getSystem());
    this.indexer = indexer;
    this.journal =
        new JournalChild<>(
            ctx,
            StreamIds.persistenceId(stream).id(),
            () -> StreamJournal.create(stream, ctx.getSelf(), settings),
            Sealed::new,
            settings.minBackoff(),
            settings.maxBackoff());
    metrics.activeStreams.increment();
    journal.start();
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
    if (!journal.running()) {
      append.replyTo().tell(Unavailable.of(Unavailable.Cause.JOURNAL_STARTING));
    } else if (queue.size() >= settings.maxQueuedAppends()) {
      metrics.appendsUnavailable.increment();
      append.replyTo().tell(new Unavailable(Unavailable.Cause.QUEUE_FULL, queue.size(), 0, 0));
    } else {
      queue.add(append);
      writeNextBatch();
    }
    // a closed write fence answers the queue at once: a stream told to passivate may now stop
    return stopIfDrained();
  }

  private Behavior<Command> onGetVersion(GetVersion get) {
    if (!journal.running()) {
      get.replyTo().tell(Unavailable.of(Unavailable.Cause.JOURNAL_STARTING));
    } else {
      // the journal stashes this behind a write in flight, so the version covers every ack sent
      journal.ref().tell(new StreamJournal.GetVersion(get.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onGetSurface(GetSurface get) {
    if (!journal.running()) {
      get.replyTo().tell(Unavailable.of(Unavailable.Cause.JOURNAL_STARTING));
    } else {
      journal.ref().tell(new StreamJournal.GetSurface(get.after(), get.limit(), get.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onJournalReady(JournalReady ready) {
    journal.recovered(ready.version());
    durable = ready.version();
    if (durable > 0 && indexer != null) {
      // a crash may have left acknowledged events unindexed: the logs fill in whatever they miss
      indexer.tell(new StreamWritten(stream, durable, List.of()));
    }
    writeNextBatch();
    return stopIfDrained();
  }

  private Behavior<Command> onBatchWritten(BatchWritten written) {
    inFlight = List.of();
    if (!written.events().isEmpty()) {
      durable = written.events().get(written.events().size() - 1).version();
      if (indexer != null) {
        indexer.tell(new StreamWritten(stream, durable, written.events()));
      }
    }
    writeNextBatch();
    return stopIfDrained();
  }

  private void writeNextBatch() {
    if (!journal.isRecovered() || !inFlight.isEmpty() || queue.isEmpty()) {
      return;
    }
    WriteFence.Closed fenced = fence.closed();
    if (fenced != null) {
      // cut off from the cluster majority: another node may take this stream over, so write nothing
      metrics.appendsUnavailable.add(queue.size());
      Unavailable noMajority =
          new Unavailable(Unavailable.Cause.NO_MAJORITY, 0, fenced.seen(), fenced.members());
      queue.forEach(a -> a.replyTo().tell(noMajority));
      queue.clear();
      return;
    }
    // the first write of a life waits until the journal is sealed above the recovered version
    if (!journal.writable()) {
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
    journal.ref().tell(new StreamJournal.WriteBatch(batch, getContext().getSelf()));
  }

  private Behavior<Command> onSealed(Sealed result) {
    if (journal.onSealed(result.journal(), result.failure())) {
      writeNextBatch();
    }
    return stopIfDrained();
  }

  private Behavior<Command> onJournalStopped(Terminated stopped) {
    getContext()
        .getLog()
        .warn(
            "Journal of stream {} stopped; answering {} appends 503",
            stream,
            inFlight.size() + queue.size());
    metrics.journalFailures.increment();
    metrics.appendsUnavailable.add(inFlight.size() + queue.size());
    Unavailable failed = Unavailable.of(Unavailable.Cause.WRITE_FAILED);
    inFlight.forEach(a -> a.replyTo().tell(failed));
    queue.forEach(a -> a.replyTo().tell(failed));
    inFlight = List.of();
    queue.clear();
    Duration backoff = journal.stopped();
    if (stopWhenDrained) {
      return Behaviors.stopped();
    }
    timers.startSingleTimer(new RetryJournal(), backoff);
    return this;
  }

  private Behavior<Command> onRetryJournal(RetryJournal retry) {
    if (!journal.running()) {
      journal.start();
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
}
