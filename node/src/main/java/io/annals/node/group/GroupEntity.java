package io.annals.node.group;

import io.annals.node.CborSerializable;
import io.annals.node.journal.StoredEvent;
import io.annals.node.journal.StreamReader;
import io.annals.node.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One consumer group: a sharded persistent entity. It persists only what must survive a crash — the
 * settings, the checkpoint (the position below which every event is acked, skipped or parked) and
 * the parked events — and keeps the deliveries in memory ({@link GroupState}). It reads its source
 * ahead of its consumers (at most {@code read-ahead} events past the checkpoint), hands events to
 * the consumers that connected (on any node), takes their acks and nacks, redelivers what times
 * out, parks what runs out of attempts, and persists the checkpoint every {@code checkpointEvery}
 * acks or {@code checkpointAfter}. After a crash or a move to another node it reads again from the
 * checkpoint: at-least-once, redelivering at most what was in flight or acked after the last
 * checkpoint.
 */
public final class GroupEntity
    extends EventSourcedBehavior<GroupEntity.Command, GroupEntity.Event, GroupEntity.Stored> {
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "group");
  private static final Duration LAG_EVERY = Duration.ofSeconds(5);

  // ---- protocol -----------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable
      permits Put,
          Get,
          Delete,
          Connect,
          Ack,
          Nack,
          ListParked,
          ReplayParked,
          SourceReady,
          Chunk,
          SourceEnded,
          Tick,
          ConsumerLeft,
          RestartSource,
          ReplayRead,
          Stop,
          LagMeasured {}

  /** Creates the group, or changes its settings (not its source or start). */
  public record Put(GroupSettings settings, String startPosition, ActorRef<PutReply> replyTo)
      implements Command {}

  public record Get(ActorRef<Info> replyTo) implements Command {}

  public record Delete(ActorRef<Info> replyTo) implements Command {}

  /**
   * A consumer connects (again every few seconds, so a group that moved learns of it): deliveries
   * go to {@code deliverTo} until it stops or stops connecting.
   */
  public record Connect(String consumer, ActorRef<Deliver> deliverTo, ActorRef<Info> replyTo)
      implements Command {}

  public record Ack(List<String> ids, ActorRef<AckReply> replyTo) implements Command {}

  /** {@code action}: retry, park or skip. */
  public record Nack(List<String> ids, String action, String reason, ActorRef<AckReply> replyTo)
      implements Command {}

  public record ListParked(ActorRef<ParkedReply> replyTo) implements Command {}

  /** Delivers the parked events again; each leaves the parked list once acked or skipped. */
  public record ReplayParked(ActorRef<ReplayReply> replyTo) implements Command {}

  /** The source stream started; it sends its next chunk once acked through {@code ackTo}. */
  record SourceReady(ActorRef<SourceAck> ackTo) implements Command {}

  record Chunk(List<GroupSource.Item> items, ActorRef<SourceAck> ackTo) implements Command {}

  record SourceEnded(Throwable failure) implements Command {}

  record Tick() implements Command {}

  /** The source's appends after the checkpoint, measured now and then for the lag gauge. */
  record LagMeasured(long lag) implements Command {}

  record ConsumerLeft(String consumer) implements Command {}

  record RestartSource() implements Command {}

  /**
   * Sharding's stop (passivation, hand-off in a rolling restart): persist the checkpoint first, so
   * acks taken here are not delivered again by the group's next incarnation.
   */
  record Stop() implements Command {}

  record ReplayRead(List<ParkedEvent> parked, List<StoredEvent> events, Throwable failure)
      implements Command {}

  /** What the entity tells its source stream: send the next chunk. */
  public enum SourceAck {
    INSTANCE
  }

  /** An event for a consumer: its delivery id (its position) and which delivery this is. */
  public record Deliver(String id, int attempt, StoredEvent event) implements CborSerializable {}

  public sealed interface PutReply extends CborSerializable permits Created, Updated, Conflict {}

  public record Created(Info info) implements PutReply {}

  public record Updated(Info info) implements PutReply {}

  public record Conflict(String detail) implements PutReply {}

  /** The group as it is now; {@code exists} false for no group of that name. */
  public record Info(
      boolean exists,
      GroupSettings settings,
      String checkpoint,
      int consumers,
      int inFlight,
      int buffered,
      long redeliveries,
      int parked)
      implements CborSerializable {}

  /** Per id: acked, skipped, parked, retry, or unknown (not a delivery this group has open). */
  public record AckReply(Map<String, String> results) implements CborSerializable {}

  public record ParkedEvent(String position, String stream, long version, String reason, long at)
      implements CborSerializable {}

  public record ParkedReply(boolean exists, List<ParkedEvent> parked) implements CborSerializable {}

  public record ReplayReply(boolean exists, int replaying) implements CborSerializable {}

  // ---- persisted ----------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable
      permits GroupCreated,
          SettingsChanged,
          Checkpointed,
          EventParked,
          EventUnparked,
          GroupDeleted {}

  public record GroupCreated(GroupSettings settings, String start) implements Event {}

  public record SettingsChanged(GroupSettings settings) implements Event {}

  public record Checkpointed(String position) implements Event {}

  public record EventParked(ParkedEvent parked) implements Event {}

  public record EventUnparked(String position) implements Event {}

  public record GroupDeleted() implements Event {}

  /** What survives a crash: settings (null: no group), checkpoint, parked events by position. */
  public record Stored(
      GroupSettings settings, String checkpoint, LinkedHashMap<String, ParkedEvent> parked)
      implements CborSerializable {
    static final Stored NONE = new Stored(null, null, new LinkedHashMap<>());

    Stored with(GroupSettings settings, String checkpoint) {
      return new Stored(settings, checkpoint, parked);
    }

    Stored parking(ParkedEvent p, boolean add) {
      LinkedHashMap<String, ParkedEvent> next = new LinkedHashMap<>(parked);
      if (add) {
        next.put(p.position(), p);
      } else {
        next.remove(p.position());
      }
      return new Stored(settings, checkpoint, next);
    }
  }

  /** {@code annals.groups}. */
  public record Settings(int readAhead, Duration heartbeat, Duration tick) {}

  public static void init(
      ClusterSharding sharding, GroupSource source, StreamReader streams, Settings settings) {
    sharding.init(
        Entity.of(
                TYPE_KEY,
                ctx ->
                    Behaviors.<Command>setup(
                        c ->
                            Behaviors.withTimers(
                                timers ->
                                    new GroupEntity(
                                        ctx.getEntityId(), c, timers, source, streams, settings))))
            .withStopMessage(new Stop()));
  }

  // ---- behaviour ----------------------------------------------------------------------------

  private final String name;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final GroupSource source;
  private final StreamReader streams;
  private final Settings settings;
  private final Map<String, ActorRef<Deliver>> consumers = new LinkedHashMap<>();
  private final Map<String, Long> lastSeen = new LinkedHashMap<>();
  private final List<Runnable> gauges = new ArrayList<>();
  private GroupState deliveries;
  private GroupFeed feed;
  private long dispatchFrom;
  private String candidate;
  private int acksSinceCheckpoint;
  private long checkpointedAt = System.nanoTime();
  private volatile int parkedCount;
  private volatile long lag;
  private long lagMeasuredAt;
  private GroupSettings settingsNow;

  private GroupEntity(
      String name,
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      GroupSource source,
      StreamReader streams,
      Settings settings) {
    super(PersistenceId.of(TYPE_KEY.name(), name));
    this.name = name;
    this.ctx = ctx;
    this.timers = timers;
    this.source = source;
    this.streams = streams;
    this.settings = settings;
  }

  @Override
  public Stored emptyState() {
    return Stored.NONE;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1000, 2);
  }

  @Override
  public SignalHandler<Stored> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::start)
        .onSignal(PostStop.instance(), s -> stop())
        .build();
  }

  private void start(Stored s) {
    if (s.settings() == null) {
      return;
    }
    GroupSettings g = s.settings();
    deliveries = new GroupState(g.maxInFlight(), g.maxAttempts(), g.pinned());
    consumers.keySet().forEach(deliveries::connect);
    // consumers of a group that moved reconnect within a heartbeat: deliver once they are back,
    // so pinned streams go to the consumers they went to, not all to the first one to return
    dispatchFrom = System.nanoTime() + settings.heartbeat().toNanos();
    candidate = s.checkpoint();
    acksSinceCheckpoint = 0;
    if (feed != null) {
      feed.stop();
    }
    feed =
        new GroupFeed(
            source,
            ctx.getSelf(),
            ctx.getSystem(),
            Math.max(settings.readAhead(), 2 * g.maxInFlight()),
            s.checkpoint());
    feed.start(g);
    timers.startTimerWithFixedDelay(new Tick(), settings.tick());
    if (gauges.isEmpty()) {
      Metrics m = Metrics.get(ctx.getSystem());
      gauges.add(
          m.groupGauge(
              name,
              "in.flight",
              "Events delivered, not yet acked.",
              () -> deliveries == null ? 0 : deliveries.inFlight()));
      gauges.add(m.groupGauge(name, "consumers", "Consumers connected.", consumers::size));
      gauges.add(
          m.groupGauge(
              name,
              "redeliveries",
              "Deliveries after the first, since the group started here.",
              () -> deliveries == null ? 0 : deliveries.redeliveries()));
      gauges.add(m.groupGauge(name, "parked", "Events parked.", () -> parkedCount));
      gauges.add(
          m.groupGauge(
              name,
              "buffered",
              "Events read past the checkpoint and not yet folded into it (its lag as seen here).",
              () -> deliveries == null ? 0 : deliveries.buffered()));
      gauges.add(
          m.groupGauge(
              name,
              "lag",
              "Appends of the source after the checkpoint (measured every 5 s).",
              () -> lag));
    }
  }

  private void stop() {
    if (feed != null) {
      feed.stop();
    }
    gauges.forEach(Runnable::run);
    gauges.clear();
  }

  @Override
  public CommandHandler<Command, Event, Stored> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Put.class, this::onPut)
        .onCommand(Get.class, (s, c) -> reply(c.replyTo(), info(s)))
        .onCommand(Delete.class, this::onDelete)
        .onCommand(Connect.class, this::onConnect)
        .onCommand(Ack.class, this::onAck)
        .onCommand(Nack.class, this::onNack)
        .onCommand(
            ListParked.class,
            (s, c) ->
                reply(
                    c.replyTo(),
                    new ParkedReply(s.settings() != null, List.copyOf(s.parked().values()))))
        .onCommand(ReplayParked.class, this::onReplay)
        .onCommand(ReplayRead.class, this::onReplayRead)
        .onCommand(SourceReady.class, (s, c) -> ready(c.ackTo()))
        .onCommand(Chunk.class, this::onChunk)
        .onCommand(SourceEnded.class, this::onSourceEnded)
        .onCommand(RestartSource.class, this::onRestartSource)
        .onCommand(Tick.class, this::onTick)
        .onCommand(
            LagMeasured.class,
            (s, c) -> {
              lag = c.lag();
              return Effect().none();
            })
        .onCommand(ConsumerLeft.class, (s, c) -> leave(c.consumer()))
        .onCommand(
            Stop.class,
            (s, c) ->
                candidate != null && s.settings() != null && !candidate.equals(s.checkpoint())
                    ? Effect().persist(new Checkpointed(candidate)).thenStop()
                    : Effect().stop())
        .build();
  }

  private Effect<Event, Stored> reply(ActorRef<?> to, Object message) {
    @SuppressWarnings("unchecked")
    ActorRef<Object> ref = (ActorRef<Object>) to;
    ref.tell(message);
    return Effect().none();
  }

  private Info info(Stored s) {
    if (s.settings() == null) {
      return new Info(false, null, null, 0, 0, 0, 0, 0);
    }
    return new Info(
        true,
        s.settings(),
        s.checkpoint(),
        consumers.size(),
        deliveries.inFlight(),
        deliveries.buffered(),
        deliveries.redeliveries(),
        s.parked().size());
  }

  private Effect<Event, Stored> onPut(Stored s, Put c) {
    if (s.settings() == null) {
      return Effect()
          .persist(new GroupCreated(c.settings(), c.startPosition()))
          .thenRun(
              after -> {
                start(after);
                c.replyTo().tell(new Created(info(after)));
              });
    }
    if (!s.settings().sameSource(c.settings())) {
      return reply(
          c.replyTo(),
          new Conflict(
              "group '"
                  + name
                  + "' reads "
                  + s.settings().sourceName()
                  + " from "
                  + s.settings().start()
                  + "; its source and start cannot change (delete it and create it again)"));
    }
    if (s.settings().equals(c.settings())) {
      return reply(c.replyTo(), new Updated(info(s)));
    }
    return Effect()
        .persist(new SettingsChanged(c.settings()))
        .thenRun(
            after -> {
              // new limits apply to a fresh delivery state; what was in flight is delivered again
              start(after);
              c.replyTo().tell(new Updated(info(after)));
            });
  }

  private Effect<Event, Stored> onDelete(Stored s, Delete c) {
    if (s.settings() == null) {
      return reply(c.replyTo(), info(s));
    }
    return Effect()
        .persist(new GroupDeleted())
        .thenRun(
            after -> {
              feed.stop();
              timers.cancelAll();
              consumers.values().forEach(ctx::unwatch);
              consumers.clear();
              lastSeen.clear();
              deliveries = null;
              candidate = null;
              c.replyTo().tell(new Info(false, null, null, 0, 0, 0, 0, 0));
            });
  }

  private Effect<Event, Stored> onConnect(Stored s, Connect c) {
    if (s.settings() == null) {
      return reply(c.replyTo(), info(s));
    }
    lastSeen.put(c.consumer(), System.nanoTime());
    if (!consumers.containsKey(c.consumer())) {
      consumers.put(c.consumer(), c.deliverTo());
      ctx.watchWith(c.deliverTo(), new ConsumerLeft(c.consumer()));
      deliveries.connect(c.consumer());
      dispatch(s);
    }
    return reply(c.replyTo(), info(s));
  }

  private Effect<Event, Stored> leave(String consumer) {
    ActorRef<Deliver> ref = consumers.remove(consumer);
    lastSeen.remove(consumer);
    if (ref != null && deliveries != null) {
      ctx.unwatch(ref);
      deliveries.disconnect(consumer);
      dispatch(settingsNow);
    }
    return Effect().none();
  }

  private Effect<Event, Stored> onAck(Stored s, Ack c) {
    return answer(s, c.ids(), "ack", "", c.replyTo());
  }

  private Effect<Event, Stored> onNack(Stored s, Nack c) {
    return answer(s, c.ids(), c.action(), c.reason(), c.replyTo());
  }

  /** Acks ({@code action} "ack") or nacks (retry, park, skip) {@code ids}; answers per id. */
  private Effect<Event, Stored> answer(
      Stored s, List<String> ids, String action, String reason, ActorRef<AckReply> replyTo) {
    Map<String, String> results = new LinkedHashMap<>();
    List<Event> events = new ArrayList<>();
    for (String id : ids) {
      GroupState.Entry e = deliveries == null ? null : deliveries.find(id);
      if (e == null) {
        results.put(id, "unknown");
        continue;
      }
      String outcome =
          switch (action) {
            case "ack", "skip" -> {
              deliveries.done(e);
              if (e.replay) {
                events.add(new EventUnparked(e.position));
              }
              acksSinceCheckpoint++;
              yield action.equals("ack") ? "acked" : "skipped";
            }
            case "park" -> {
              park(e, "nacked: " + reason, events);
              yield "parked";
            }
            default -> {
              GroupState.Expired x = deliveries.retry(e, "nacked: " + reason);
              if (x != null) {
                park(e, x.reason(), events);
              }
              yield x != null ? "parked" : "retry";
            }
          };
      results.put(id, outcome);
    }
    return afterAnswers(s, events, replyTo, new AckReply(results));
  }

  private void park(GroupState.Entry e, String reason, List<Event> events) {
    deliveries.done(e);
    if (!e.replay) {
      events.add(
          new EventParked(
              new ParkedEvent(
                  e.position,
                  e.event.stream(),
                  e.event.version(),
                  reason,
                  System.currentTimeMillis())));
    }
  }

  /**
   * After acks, nacks or expiries: persists the parked events and, when due, the checkpoint, then
   * answers and delivers what can go now.
   */
  private Effect<Event, Stored> afterAnswers(
      Stored s, List<Event> events, ActorRef<AckReply> replyTo, AckReply reply) {
    String folded = deliveries == null ? null : deliveries.fold();
    if (folded != null) {
      candidate = folded;
      feed.resume(deliveries.buffered());
    }
    if (candidate != null
        && s.settings() != null
        && !candidate.equals(s.checkpoint())
        && acksSinceCheckpoint >= s.settings().checkpointEvery()) {
      events.add(new Checkpointed(candidate));
    }
    dispatch(s);
    if (events.isEmpty()) {
      if (replyTo != null) {
        replyTo.tell(reply);
      }
      return Effect().none();
    }
    return Effect()
        .persist(events)
        .thenRun(
            after -> {
              if (replyTo != null) {
                replyTo.tell(reply);
              }
            });
  }

  private Effect<Event, Stored> onReplay(Stored s, ReplayParked c) {
    if (s.settings() == null) {
      return reply(c.replyTo(), new ReplayReply(false, 0));
    }
    List<ParkedEvent> parked = List.copyOf(s.parked().values());
    List<java.util.concurrent.CompletableFuture<List<StoredEvent>>> reads = new ArrayList<>();
    for (ParkedEvent p : parked) {
      reads.add(streams.read(p.stream(), p.version(), p.version()).toCompletableFuture());
    }
    ctx.pipeToSelf(
        java.util.concurrent.CompletableFuture.allOf(
                reads.toArray(java.util.concurrent.CompletableFuture[]::new))
            .thenApply(
                done -> {
                  List<StoredEvent> events = new ArrayList<>();
                  reads.forEach(r -> events.add(r.join().isEmpty() ? null : r.join().get(0)));
                  return events;
                }),
        (events, failure) -> new ReplayRead(parked, events, failure));
    return reply(c.replyTo(), new ReplayReply(true, parked.size()));
  }

  private Effect<Event, Stored> onReplayRead(Stored s, ReplayRead c) {
    if (c.failure() != null || deliveries == null) {
      ctx.getLog().warn("Group {}: parked events not read for a replay: {}", name, c.failure());
      return Effect().none();
    }
    for (int i = 0; i < c.parked().size(); i++) {
      if (c.events().get(i) != null) {
        deliveries.replay(c.parked().get(i).position(), c.events().get(i));
      }
    }
    dispatch(s);
    return Effect().none();
  }

  private Effect<Event, Stored> ready(ActorRef<SourceAck> ackTo) {
    if (deliveries != null) {
      feed.offer(ackTo, deliveries.buffered());
    }
    return Effect().none();
  }

  private Effect<Event, Stored> onChunk(Stored s, Chunk c) {
    if (deliveries == null) {
      return Effect().none();
    }
    for (GroupSource.Item item : c.items()) {
      deliveries.read(item.position(), item.event());
      feed.read(item.position());
    }
    dispatch(s);
    feed.offer(c.ackTo(), deliveries.buffered());
    return Effect().none();
  }

  private Effect<Event, Stored> onSourceEnded(Stored s, SourceEnded c) {
    if (deliveries != null && feed.running()) {
      ctx.getLog()
          .warn("Group {}: its source stopped ({}); reading again in 1 s", name, c.failure());
      feed.ended();
      timers.startSingleTimer(new RestartSource(), Duration.ofSeconds(1));
    }
    return Effect().none();
  }

  private Effect<Event, Stored> onRestartSource(Stored s, RestartSource c) {
    if (s.settings() != null && deliveries != null && !feed.running()) {
      feed.start(s.settings());
    }
    return Effect().none();
  }

  private Effect<Event, Stored> onTick(Stored s, Tick c) {
    if (deliveries == null) {
      return Effect().none();
    }
    long now = System.nanoTime();
    if (now - lagMeasuredAt > LAG_EVERY.toNanos() && s.checkpoint() != null) {
      lagMeasuredAt = now;
      ctx.pipeToSelf(
          source.lag(s.settings().category(), s.checkpoint()),
          (measured, failure) -> new LagMeasured(failure == null ? measured : lag));
    }
    long silent = settings.heartbeat().toNanos() * 3;
    for (String consumer : List.copyOf(lastSeen.keySet())) {
      if (now - lastSeen.get(consumer) > silent) {
        leave(consumer);
      }
    }
    List<Event> events = new ArrayList<>();
    for (GroupState.Expired x : deliveries.expire(now)) {
      park(x.entry(), x.reason(), events);
    }
    if (candidate != null
        && !candidate.equals(s.checkpoint())
        && now - checkpointedAt >= s.settings().checkpointAfter().toNanos()) {
      acksSinceCheckpoint = s.settings().checkpointEvery();
    }
    return afterAnswers(s, events, null, null);
  }

  private void dispatch(Stored s) {
    dispatch(s.settings());
  }

  private void dispatch(GroupSettings g) {
    long now = System.nanoTime();
    if (deliveries == null || g == null || now - dispatchFrom < 0) {
      return;
    }
    for (GroupState.Delivery d : deliveries.dispatch(now, g.ackTimeout().toNanos())) {
      ActorRef<Deliver> to = consumers.get(d.consumer());
      if (to != null) {
        to.tell(new Deliver(d.entry().position, d.entry().attempts, d.entry().event));
      }
    }
  }

  @Override
  public EventHandler<Stored, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            GroupCreated.class,
            (s, e) -> remember(new Stored(e.settings(), e.start(), new LinkedHashMap<>())))
        .onEvent(SettingsChanged.class, (s, e) -> remember(s.with(e.settings(), s.checkpoint())))
        .onEvent(
            Checkpointed.class,
            (s, e) -> {
              acksSinceCheckpoint = 0;
              checkpointedAt = System.nanoTime();
              return remember(s.with(s.settings(), e.position()));
            })
        .onEvent(EventParked.class, (s, e) -> remember(s.parking(e.parked(), true)))
        .onEvent(
            EventUnparked.class,
            (s, e) -> remember(s.parking(new ParkedEvent(e.position(), "", 0, "", 0), false)))
        .onEvent(GroupDeleted.class, (s, e) -> remember(Stored.NONE))
        .build();
  }

  /** Keeps what the gauges and consumer departures read outside the handlers. */
  private Stored remember(Stored s) {
    settingsNow = s.settings();
    parkedCount = s.parked().size();
    return s;
  }
}
