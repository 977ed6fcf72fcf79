package io.annals.node.log;

import io.annals.node.CborSerializable;
import io.annals.node.cluster.WriteFence;
import io.annals.node.journal.JournalChild;
import io.annals.node.journal.StoredEvent;
import io.annals.node.metrics.Metrics;
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
          IndexBatch,
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
   * the live tails; empty when the stream re-sends after a failure. {@code replyTo} is null in an
   * {@link IndexBatch}, which is answered as a whole.
   */
  public record Index(
      String stream, long to, List<StoredEvent> events, ActorRef<IndexedUpTo> replyTo)
      implements Command {}

  /**
   * Many index requests from one node's {@link IndexOutbox}, written with whatever else is queued;
   * answered {@link BatchIndexed} once all of them are durable (dropped unanswered when the log's
   * journal fails, or when the queue is full: the outbox sends again).
   */
  public record IndexBatch(List<Index> requests, long batch, ActorRef<BatchIndexed> replyTo)
      implements Command {}

  /** Every request of batch {@code batch} is indexed by log {@code logId}. */
  public record BatchIndexed(String logId, long batch) implements CborSerializable {}

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

  /** The batches whose requests are in {@code queue}, then those of the write in flight. */
  private List<IndexBatch> queuedBatches = new ArrayList<>();

  private List<IndexBatch> writingBatches = List.of();
  private final JournalChild<LogJournal.Command, Command> journal;
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
    // a log whose journal failed starts it again after retry-interval, every time: the streams
    // re-send what is not indexed on their own schedule (unlike a stream, nobody waits for it)
    this.journal =
        new JournalChild<>(
            ctx,
            LogJournal.persistenceId(logId).id(),
            () -> LogJournal.create(logId, ctx.getSelf(), settings.snapshotEvery()),
            Sealed::new,
            settings.retryInterval(),
            settings.retryInterval());
    journal.start();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Index.class, this::onIndex)
        .onMessage(IndexBatch.class, this::onIndexBatch)
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
    if (journal.running() && queue.size() < settings.maxQueuedRequests()) {
      queue.add(index);
      writeNext();
    }
    return this;
  }

  private Behavior<Command> onIndexBatch(IndexBatch batch) {
    if (journal.running()
        && queue.size() + batch.requests().size() <= settings.maxQueuedRequests()) {
      queue.addAll(batch.requests());
      queuedBatches.add(batch);
      writeNext();
    }
    return this;
  }

  private Behavior<Command> onCovers(Covers covers) {
    if (journal.running()) {
      journal
          .ref()
          .tell(new LogJournal.Covers(covers.stream(), covers.version(), covers.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onListStreams(ListStreams list) {
    if (journal.running()) {
      journal.ref().tell(new LogJournal.ListStreams(list.after(), list.limit(), list.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onRegisterTail(RegisterTail register) {
    if (journal.isRecovered()) {
      if (tails.add(register.tail())) {
        getContext().watch(register.tail());
      }
      register.tail().tell(new LogTail.Registered(head));
    }
    return this;
  }

  private Behavior<Command> onJournalReady(JournalReady r) {
    journal.recovered(r.head());
    head = r.head();
    writeNext();
    return this;
  }

  private Behavior<Command> onEntriesWritten(EntriesWritten written) {
    writing = false;
    for (IndexBatch batch : writingBatches) {
      batch.replyTo().tell(new BatchIndexed(logId, batch.batch()));
    }
    writingBatches = List.of();
    metrics.indexEntriesWritten.add(written.entries().size());
    if (!written.entries().isEmpty()) {
      head = written.entries().get(written.entries().size() - 1).seq();
      for (List<LogEntry> part : forTails(written.entries())) {
        LogTail.Appended appended = new LogTail.Appended(part);
        tails.forEach(t -> t.tell(appended));
      }
    }
    writeNext();
    return stopIfDrained();
  }

  /** Entries' serialised events per message to a tail at most (a tail may be on another node). */
  static final long TAIL_MESSAGE_BYTES = 1024 * 1024;

  /**
   * A write's entries in order, as messages of at most {@link #TAIL_MESSAGE_BYTES} (half an entry's
   * heap weight over-estimates its serialised size), so a large write still fits a remoting frame.
   */
  static List<List<LogEntry>> forTails(List<LogEntry> entries) {
    List<List<LogEntry>> parts = new ArrayList<>();
    List<LogEntry> part = new ArrayList<>();
    long bytes = 0;
    for (LogEntry e : entries) {
      long size = e.weight() / 2;
      if (!part.isEmpty() && bytes + size > TAIL_MESSAGE_BYTES) {
        parts.add(part);
        part = new ArrayList<>();
        bytes = 0;
      }
      part.add(e);
      bytes += size;
    }
    parts.add(part);
    return parts;
  }

  private void writeNext() {
    if (!journal.isRecovered() || writing || queue.isEmpty()) {
      return;
    }
    if (fence.closed() != null) {
      // cut off from the cluster majority: keep the requests; streams re-send until indexed
      return;
    }
    // the first write of a life waits until the journal is sealed above the recovered head
    if (!journal.writable()) {
      return;
    }
    writing = true;
    journal.ref().tell(new LogJournal.WriteEntries(queue, getContext().getSelf()));
    queue = new ArrayList<>();
    writingBatches = queuedBatches;
    queuedBatches = new ArrayList<>();
  }

  private Behavior<Command> onSealed(Sealed result) {
    if (journal.onSealed(result.journal(), result.failure())) {
      writeNext();
    }
    return stopIfDrained();
  }

  private Behavior<Command> onTerminated(Terminated stopped) {
    if (!journal.is(stopped.getRef())) {
      tails.remove(stopped.getRef());
      return this;
    }
    getContext().getLog().warn("Journal of log {} stopped; the streams will re-send", logId);
    metrics.journalFailures.increment();
    Duration backoff = journal.stopped();
    writing = false;
    queue = new ArrayList<>();
    queuedBatches = new ArrayList<>();
    writingBatches = List.of();
    if (stopWhenDrained) {
      return Behaviors.stopped();
    }
    timers.startSingleTimer(new RetryJournal(), backoff);
    return this;
  }

  private Behavior<Command> onRetryJournal() {
    if (!journal.running()) {
      journal.start();
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
}
