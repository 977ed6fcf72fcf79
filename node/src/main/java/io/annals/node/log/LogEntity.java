package io.annals.node.log;

import io.annals.node.CborSerializable;
import io.annals.node.cluster.WriteFence;
import io.annals.node.journal.JournalFence;
import io.annals.node.metrics.Metrics;
import io.annals.node.stream.StoredEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
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
 * The sharded entity of one log (entity id {@code all-<p>} or {@code category-<name>}): a front
 * actor that groups the index requests arriving while a write is in flight into the next atomic
 * write of its persistent child {@link LogJournal}, and sends every written entry, with its events,
 * to the live tails registered from each node ({@link LogTail}). When the child fails, requests in
 * flight and queued are dropped unanswered: the streams re-send what is not acknowledged.
 */
public final class LogEntity extends AbstractBehavior<LogEntity.Command> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "log");

  // ---- protocol -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable
      permits Index,
          Covers,
          ListStreams,
          RegisterTail,
          JournalReady,
          EntriesWritten,
          RetryJournal,
          Sealed,
          Passivate {}

  /**
   * Index {@code stream} up to version {@code to}: the log writes one entry for the versions after
   * the highest it holds. {@code events} are the stream's newest events ending at {@code to}, for
   * the live tails; empty when the stream re-sends after a failure.
   */
  public record Index(
      String stream, long to, List<StoredEvent> events, ActorRef<IndexedUpTo> replyTo)
      implements Command {}

  /** The log holds {@code stream} up to (at least) {@code version}. */
  public record IndexedUpTo(String logId, String stream, long version)
      implements CborSerializable {}

  /** Has the log indexed {@code version} of {@code stream}? */
  public record Covers(String stream, long version, ActorRef<Coverage> replyTo)
      implements Command {}

  public record Coverage(boolean covered) implements CborSerializable {}

  /** Stream names after {@code after} (null: from the first), at most {@code limit}. */
  public record ListStreams(String after, int limit, ActorRef<StreamNames> replyTo)
      implements Command {}

  public record StreamNames(List<String> names, boolean more) implements CborSerializable {}

  /**
   * A node's tail asks for the entries written from now on; answered {@link LogTail.Registered}
   * with the current head. Tails re-register periodically, which also tells them of entries they
   * missed.
   */
  public record RegisterTail(ActorRef<LogTail.Command> tail) implements Command {}

  record JournalReady(long head) implements Command {}

  record EntriesWritten(List<LogEntry> entries) implements Command {}

  record RetryJournal() implements Command {}

  /** The journal of child {@code journal} is sealed above its head, or the seal failed. */
  record Sealed(int journal, Throwable failure) implements Command {}

  record Passivate() implements Command {}

  // ---- wiring ---------------------------------------------------------------------------------

  /** Tunables of the logs, read once from {@code annals.log}. */
  public record Settings(
      int partitions,
      int maxQueuedRequests,
      int snapshotEvery,
      Duration retryInterval,
      Duration tailRegistrationInterval,
      int tailEntries,
      long tailBytes,
      Duration tailPark,
      Duration tailIdle) {}

  public static void init(ClusterSharding sharding, Settings settings) {
    sharding.init(
        Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), settings))
            .withStopMessage(new Passivate()));
  }

  static Behavior<Command> create(String logId, Settings settings) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new LogEntity(ctx, timers, logId, settings)));
  }

  // ---- behaviour ------------------------------------------------------------------------------

  private final TimerScheduler<Command> timers;
  private final String logId;
  private final Settings settings;
  private final Metrics metrics;
  private final WriteFence fence;
  private final Set<ActorRef<LogTail.Command>> tails = new HashSet<>();
  private List<Index> queue = new ArrayList<>();
  private ActorRef<LogJournal.Command> journal;
  private int incarnation;
  private boolean ready;
  // the journal is sealed above the recovered head (see JournalFence): writes may start
  private boolean sealed;
  private boolean sealing;
  private boolean writing;
  private long head;
  private boolean stopWhenDrained;

  private LogEntity(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, String logId, Settings settings) {
    super(ctx);
    this.timers = timers;
    this.logId = logId;
    this.settings = settings;
    this.metrics = Metrics.get(ctx.getSystem());
    this.fence = WriteFence.get(ctx.getSystem());
    startJournal();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Index.class, this::onIndex)
        .onMessage(Covers.class, this::onCovers)
        .onMessage(ListStreams.class, this::onListStreams)
        .onMessage(RegisterTail.class, this::onRegisterTail)
        .onMessage(JournalReady.class, this::onJournalReady)
        .onMessage(EntriesWritten.class, this::onEntriesWritten)
        .onMessage(RetryJournal.class, r -> onRetryJournal())
        .onMessage(Sealed.class, this::onSealed)
        .onMessage(Passivate.class, p -> onPassivate())
        .onSignal(ChildFailed.class, this::onTerminated)
        .onSignal(Terminated.class, this::onTerminated)
        .build();
  }

  private Behavior<Command> onIndex(Index index) {
    if (journal != null && queue.size() < settings.maxQueuedRequests()) {
      queue.add(index);
      writeNext();
    }
    return this;
  }

  private Behavior<Command> onCovers(Covers covers) {
    if (journal != null) {
      journal.tell(new LogJournal.Covers(covers.stream(), covers.version(), covers.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onListStreams(ListStreams list) {
    if (journal != null) {
      journal.tell(new LogJournal.ListStreams(list.after(), list.limit(), list.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onRegisterTail(RegisterTail register) {
    if (ready) {
      if (tails.add(register.tail())) {
        getContext().watch(register.tail());
      }
      register.tail().tell(new LogTail.Registered(head));
    }
    return this;
  }

  private Behavior<Command> onJournalReady(JournalReady r) {
    ready = true;
    head = r.head();
    writeNext();
    return this;
  }

  private Behavior<Command> onEntriesWritten(EntriesWritten written) {
    writing = false;
    metrics.indexEntriesWritten.add(written.entries().size());
    if (!written.entries().isEmpty()) {
      head = written.entries().get(written.entries().size() - 1).seq();
      LogTail.Appended appended = new LogTail.Appended(written.entries());
      tails.forEach(t -> t.tell(appended));
    }
    writeNext();
    return stopIfDrained();
  }

  private void writeNext() {
    if (!ready || writing || queue.isEmpty()) {
      return;
    }
    if (fence.closedBecause() != null) {
      // cut off from the cluster majority: keep the requests; streams re-send until indexed
      return;
    }
    if (!sealed) {
      seal();
      return;
    }
    writing = true;
    journal.tell(new LogJournal.WriteEntries(queue, getContext().getSelf()));
    queue = new ArrayList<>();
  }

  /**
   * Before the first write of a recovered child, the log's journal is sealed above its head, so a
   * write of an earlier child that failed but may still reach Cassandra can never take a position a
   * later entry holds (see {@link JournalFence}).
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
                .sealAbove(LogJournal.persistenceId(logId).id(), head),
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
          .warn("Sealing the journal of log {} failed: {}", logId, result.failure().toString());
      ready = false;
      getContext().stop(journal); // started again after retry-interval, like a failed write
      return this;
    }
    sealed = true;
    writeNext();
    return stopIfDrained();
  }

  private Behavior<Command> onTerminated(Terminated stopped) {
    if (!stopped.getRef().equals(journal)) {
      tails.remove(stopped.getRef());
      return this;
    }
    getContext().getLog().warn("Journal of log {} stopped; the streams will re-send", logId);
    metrics.journalFailures.increment();
    journal = null;
    ready = false;
    sealed = false;
    sealing = false;
    writing = false;
    queue = new ArrayList<>();
    if (stopWhenDrained) {
      return Behaviors.stopped();
    }
    timers.startSingleTimer(new RetryJournal(), settings.retryInterval());
    return this;
  }

  private Behavior<Command> onRetryJournal() {
    if (journal == null) {
      startJournal();
    }
    return this;
  }

  private Behavior<Command> onPassivate() {
    stopWhenDrained = true;
    return stopIfDrained();
  }

  private Behavior<Command> stopIfDrained() {
    return stopWhenDrained && !writing && queue.isEmpty() ? Behaviors.stopped() : this;
  }

  private void startJournal() {
    incarnation++;
    journal =
        getContext()
            .spawn(
                LogJournal.create(logId, getContext().getSelf(), settings.snapshotEvery()),
                "journal");
    getContext().watch(journal);
  }
}
