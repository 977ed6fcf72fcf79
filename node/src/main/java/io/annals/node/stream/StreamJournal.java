package io.annals.node.stream;

import io.annals.node.CborSerializable;
import io.annals.node.journal.Micros;
import io.annals.node.journal.StoredEvent;
import io.annals.node.journal.StreamIds;
import io.annals.node.journal.StreamRecord;
import io.annals.node.metrics.Metrics;
import io.annals.node.stream.StreamEntity.Append;
import io.annals.node.stream.StreamEntity.AppendReply;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The persistent half of a stream: an event-sourced behaviour whose journal sequence numbers are
 * the stream's versions. It receives whole batches of appends from its parent {@link StreamEntity},
 * decides each append in arrival order with a {@link BatchPlan}, persists all accepted events in
 * one atomic write and, only once that write is durable, answers every append of the batch. When a
 * write fails the behaviour stops (the default for a persist failure); the parent answers the batch
 * 503 and starts a fresh instance, which recovers from the journal.
 */
final class StreamJournal
    extends EventSourcedBehaviorWithEnforcedReplies<
        StreamJournal.Command, StreamJournal.Event, StreamState> {

  /** Messages from the parent entity. */
  sealed interface Command extends CborSerializable permits WriteBatch, GetVersion, GetSurface {}

  /** Decide and persist these appends as one journal write, then tell {@code writer}. */
  record WriteBatch(List<Append> appends, ActorRef<StreamEntity.Command> writer)
      implements Command {}

  record GetVersion(ActorRef<StreamEntity.VersionReply> replyTo) implements Command {}

  record GetSurface(String after, int limit, ActorRef<StreamEntity.SurfaceReply> replyTo)
      implements Command {}

  /** What the journal stores; one journal entry per stream event. */
  sealed interface Event extends CborSerializable permits Recorded {}

  /**
   * One stream event as stored. {@code data} and {@code metadata} are JSON text as the client sent
   * it (compact in events stored before Annals kept data exactly); {@code recorded} is microseconds
   * since the epoch; the version is the journal sequence number; {@code invalidates} is set on
   * {@code $invalidate} events only; {@code principal} is who wrote it when security is on. Added
   * later, null in older events: {@code invalidates}, the fingerprints of {@link NewEvent#exact}
   * (null: of the data as stored), and {@code principal}.
   */
  record Recorded(
      UUID id,
      String type,
      int schemaVersion,
      String key,
      String data,
      String metadata,
      long transaction,
      long recorded,
      Long invalidates,
      Long contentFingerprint,
      Long dataFingerprint,
      String principal)
      implements Event, StreamRecord {

    long contentHash() {
      return contentFingerprint != null
          ? contentFingerprint
          : Fingerprint.ofContent(type, schemaVersion, key, data, metadata);
    }

    long dataHash() {
      return dataFingerprint != null ? dataFingerprint : Fingerprint.of(data);
    }

    Instant recordedAt() {
      return Instant.EPOCH.plus(recorded, ChronoUnit.MICROS);
    }

    @Override
    public StoredEvent stored(String stream, long version) {
      return new StoredEvent(
          stream,
          version,
          transaction,
          id,
          type,
          schemaVersion,
          key,
          data,
          metadata,
          recordedAt(),
          principal);
    }
  }

  static PersistenceId persistenceId(String stream) {
    return StreamIds.persistenceId(stream);
  }

  static Behavior<Command> create(
      String stream, ActorRef<StreamEntity.Command> parent, StreamEntity.Settings settings) {
    return Behaviors.setup(
        ctx -> new StreamJournal(stream, parent, settings, Metrics.get(ctx.getSystem())));
  }

  private final String stream;
  private final ActorRef<StreamEntity.Command> parent;
  private final StreamEntity.Settings settings;
  private final Metrics metrics;

  private StreamJournal(
      String stream,
      ActorRef<StreamEntity.Command> parent,
      StreamEntity.Settings settings,
      Metrics metrics) {
    super(persistenceId(stream));
    this.stream = stream;
    this.parent = parent;
    this.settings = settings;
    this.metrics = metrics;
  }

  @Override
  public StreamState emptyState() {
    return new StreamState(
        settings.idempotencyWindow(),
        settings.idempotencyWindowTime().toNanos() / 1000,
        settings.idempotencyWindowMax());
  }

  /** Snapshot every {@code snapshot-every} events (0: never), keeping the two newest. */
  @Override
  public RetentionCriteria retentionCriteria() {
    return settings.snapshotEvery() > 0
        ? RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2)
        : RetentionCriteria.disabled();
  }

  /** With snapshots off, recovery replays every event and ignores snapshots saved earlier. */
  @Override
  public Recovery recovery() {
    return settings.snapshotEvery() > 0
        ? Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.latest())
        : Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none());
  }

  @Override
  public SnapshotAdapter<StreamState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(StreamState state) {
        return state.toSnapshot();
      }

      @Override
      public StreamState fromJournal(Object from) {
        return StreamState.fromSnapshot(
            (StreamSnapshot) from,
            settings.idempotencyWindow(),
            settings.idempotencyWindowTime().toNanos() / 1000,
            settings.idempotencyWindowMax());
      }
    };
  }

  @Override
  public CommandHandlerWithReply<Command, Event, StreamState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(WriteBatch.class, this::onWriteBatch)
        .onCommand(GetVersion.class, this::onGetVersion)
        .onCommand(GetSurface.class, this::onGetSurface)
        .build();
  }

  private ReplyEffect<Event, StreamState> onWriteBatch(StreamState state, WriteBatch batch) {
    BatchPlan plan = new BatchPlan(state, Micros.now(), settings.maxKeys());
    List<AppendReply> replies = new ArrayList<>(batch.appends().size());
    for (Append append : batch.appends()) {
      replies.add(plan.decide(append));
    }
    Runnable answer =
        () -> {
          for (int i = 0; i < replies.size(); i++) {
            batch.appends().get(i).replyTo().tell(replies.get(i));
            count(replies.get(i));
          }
        };
    if (plan.events().isEmpty()) {
      answer.run();
      batch.writer().tell(new StreamEntity.BatchWritten(List.of()));
      return Effect().none().thenNoReply();
    }
    List<Event> events = plan.events();
    return Effect()
        .persist(events)
        .thenRun(
            s -> {
              metrics.eventsWritten.add(events.size());
              metrics.batchEvents.observe(events.size());
              metrics.batchAppends.observe(batch.appends().size());
              answer.run();
              long first = s.version() - events.size() + 1;
              List<StoredEvent> written = new ArrayList<>(events.size());
              for (int i = 0; i < events.size(); i++) {
                written.add(((Recorded) events.get(i)).stored(stream, first + i));
              }
              batch.writer().tell(new StreamEntity.BatchWritten(written));
            })
        .thenNoReply();
  }

  private void count(AppendReply reply) {
    if (reply instanceof StreamEntity.Appended) {
      metrics.appendsWritten.increment();
    } else if (reply instanceof StreamEntity.AlreadyAppended) {
      metrics.appendsRetried.increment();
    } else {
      metrics.appendsConflicted.increment();
    }
  }

  private ReplyEffect<Event, StreamState> onGetVersion(StreamState state, GetVersion get) {
    return Effect()
        .reply(
            get.replyTo(),
            new StreamEntity.CurrentVersion(state.version(), state.invalidatedTransactions()));
  }

  private ReplyEffect<Event, StreamState> onGetSurface(StreamState state, GetSurface get) {
    var page = state.surface(get.after(), get.limit() + 1);
    List<StreamEntity.SurfaceEntry> entries = new ArrayList<>(page.size());
    page.forEach((key, version) -> entries.add(new StreamEntity.SurfaceEntry(key, version)));
    boolean more = entries.size() > get.limit();
    List<StreamEntity.SurfaceEntry> shown = more ? entries.subList(0, get.limit()) : entries;
    return Effect()
        .reply(
            get.replyTo(), new StreamEntity.SurfacePage(state.version(), List.copyOf(shown), more));
  }

  @Override
  public EventHandler<StreamState, Event> eventHandler() {
    return (state, event) -> state.apply((Recorded) event);
  }

  @Override
  public SignalHandler<StreamState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> parent.tell(new StreamEntity.JournalReady(state.version())))
        .build();
  }
}
