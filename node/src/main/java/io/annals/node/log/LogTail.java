package io.annals.node.log;

import io.annals.node.CborSerializable;
import io.annals.node.journal.StoredEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The live tail of one log on this node, shared by all of this node's subscribers of it: it
 * registers with the log entity, receives every entry written from then on (with its events), and
 * keeps the newest ones in a ring bounded by count and bytes. Subscribers that have caught up ask
 * it for the entries after their place and are answered from memory, or parked until the next entry
 * arrives, so live delivery reads nothing from Cassandra. A subscriber further back than the ring
 * gets {@link NotInMemory} and reads the journal at its own pace; a tail that learns it missed
 * entries (a re-registration reports a higher head) empties its ring, so nobody is ever served
 * across a gap.
 */
public final class LogTail extends AbstractBehavior<LogTail.Command> {

  // ---- protocol -------------------------------------------------------------------------------

  public sealed interface Command
      permits Registered, Appended, Fetch, FetchStream, AwaitIndexed, Tick, Register {}

  /** From the log entity: entries up to {@code head} were written before this registration. */
  public record Registered(long head) implements Command, CborSerializable {}

  /** From the log entity: the entries of one journal write, in order. */
  public record Appended(List<LogEntry> entries) implements Command, CborSerializable {}

  /** Entries from {@code fromSeq} on; parked when there are none yet. */
  public record Fetch(long fromSeq, int maxEvents, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Events of {@code stream} after {@code afterVersion}, for a stream subscriber whose last read of
   * the stream's journal started at {@code readStartedNanos} (this JVM's {@link System#nanoTime}).
   */
  public record FetchStream(
      String stream, long afterVersion, long readStartedNanos, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Answered {@link Covered} true once an entry of {@code stream} reaching {@code version} is in
   * the ring (or arrives), false when the park ends first (the caller asks the log entity then).
   */
  public record AwaitIndexed(String stream, long version, ActorRef<Reply> replyTo)
      implements Command {}

  record Tick() implements Command {}

  record Register() implements Command {}

  public sealed interface Reply permits Entries, StreamEvents, NotInMemory, Covered {}

  /** Entries from the asked-for one on (none when the park ended without a new entry). */
  public record Entries(List<Live> entries) implements Reply {}

  /** An entry in the ring, with one {@link EventBytes} per event, shared by all subscribers. */
  public record Live(LogEntry entry, List<EventBytes> bytes) {
    static Live of(LogEntry entry) {
      List<EventBytes> bytes = new ArrayList<>(entry.events().size());
      for (int i = 0; i < entry.events().size(); i++) {
        bytes.add(new EventBytes());
      }
      return new Live(entry, bytes);
    }
  }

  public record StreamEvents(List<StoredEvent> events) implements Reply {}

  /** Whether the ring holds the version an {@link AwaitIndexed} waited for. */
  public record Covered(boolean covered) implements Reply {}

  /** What was asked for is not (or may not be) in memory: read it from the journal. */
  public record NotInMemory() implements Reply {}

  static Behavior<Command> create(String logId, LogEntity.Settings settings) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new LogTail(ctx, timers, logId, settings)));
  }

  // ---- behaviour ------------------------------------------------------------------------------

  private record Parked(Command request, long since) {}

  private final String logId;
  private final LogEntity.Settings settings;
  private final ClusterSharding sharding;
  private final TailRing ring = new TailRing();

  /** The sequence numbers of each stream's entries in the ring, oldest first. */
  private final Map<String, ArrayDeque<Long>> byStream = new HashMap<>();

  private final List<Parked> parked = new ArrayList<>();
  private long ringBytes;

  /** The newest entry this tail knows of; -1 until the first registration is answered. */
  private long head = -1;

  /** Every entry that arrived after this instant is in the ring. */
  private long coveredSince = Long.MAX_VALUE;

  private long lastRequest = System.nanoTime();

  private LogTail(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String logId,
      LogEntity.Settings settings) {
    super(ctx);
    this.logId = logId;
    this.settings = settings;
    this.sharding = ClusterSharding.get(ctx.getSystem());
    register();
    timers.startTimerWithFixedDelay(new Register(), settings.tailRegistrationInterval());
    timers.startTimerWithFixedDelay(new Tick(), settings.tailPark().dividedBy(4));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Registered.class, this::onRegistered)
        .onMessage(Appended.class, this::onAppended)
        .onMessage(Fetch.class, f -> onRequest(f))
        .onMessage(FetchStream.class, f -> onRequest(f))
        .onMessage(AwaitIndexed.class, a -> onRequest(a))
        .onMessage(Register.class, r -> register())
        .onMessage(Tick.class, t -> onTick())
        .build();
  }

  private Behavior<Command> register() {
    sharding
        .entityRefFor(LogEntity.TYPE_KEY, logId)
        .tell(new LogEntity.RegisterTail(getContext().getSelf()));
    return this;
  }

  private Behavior<Command> onRegistered(Registered r) {
    if (head < 0 || r.head() > head) {
      restartAt(r.head());
    }
    return this;
  }

  /**
   * Adds a journal write's entries to the ring, then answers the parked subscribers once: each gets
   * the whole write in one reply, not one reply per entry.
   */
  private Behavior<Command> onAppended(Appended a) {
    for (LogEntry entry : a.entries()) {
      if (head < 0 || entry.seq() <= head) {
        continue; // not registered yet (the registration answer tells the head), or a duplicate
      }
      if (entry.seq() != head + 1 || !entry.hasEvents()) {
        restartAt(entry.seq());
        continue;
      }
      head = entry.seq();
      ring.addLast(Live.of(entry));
      byStream.computeIfAbsent(entry.stream(), s -> new ArrayDeque<>()).addLast(entry.seq());
      ringBytes += entry.weight();
      while (ring.size() > settings.tailEntries() || ringBytes > settings.tailBytes()) {
        LogEntry gone = ring.removeFirst().entry();
        ringBytes -= gone.weight();
        ArrayDeque<Long> seqs = byStream.get(gone.stream());
        seqs.pollFirst();
        if (seqs.isEmpty()) {
          byStream.remove(gone.stream());
        }
        coveredSince = System.nanoTime();
      }
    }
    answerParked();
    return this;
  }

  /** The tail missed entries up to {@code newHead}: forget the ring and start again after it. */
  private void restartAt(long newHead) {
    head = newHead;
    ring.clear();
    byStream.clear();
    ringBytes = 0;
    coveredSince = System.nanoTime();
    answerParked();
  }

  private Behavior<Command> onRequest(Command request) {
    lastRequest = System.nanoTime();
    if (!answer(request)) {
      parked.add(new Parked(request, System.nanoTime()));
    }
    return this;
  }

  private void answerParked() {
    parked.removeIf(p -> answer(p.request()));
  }

  /** Answers {@code request} if it can be now; false when it has to wait for a new entry. */
  private boolean answer(Command request) {
    if (head < 0) {
      return false;
    }
    if (request instanceof AwaitIndexed a) {
      return answerAwait(a);
    }
    if (request instanceof Fetch f) {
      if (f.fromSeq() > head) {
        return false;
      }
      if (ring.isEmpty() || ring.firstSeq() > f.fromSeq()) {
        f.replyTo().tell(new NotInMemory());
        return true;
      }
      List<Live> out = new ArrayList<>();
      int events = 0;
      for (int i = (int) (f.fromSeq() - ring.firstSeq()); i < ring.size(); i++) {
        Live l = ring.get(i);
        out.add(l);
        events += l.entry().size();
        if (events >= f.maxEvents()) {
          break;
        }
      }
      f.replyTo().tell(new Entries(out));
      return true;
    }
    FetchStream f = (FetchStream) request;
    if (f.readStartedNanos() - coveredSince < 0) {
      f.replyTo().tell(new NotInMemory());
      return true;
    }
    ArrayDeque<Long> seqs = byStream.get(f.stream());
    if (seqs == null) {
      return false;
    }
    List<StoredEvent> out = new ArrayList<>();
    long next = f.afterVersion() + 1;
    for (long seq : seqs) {
      LogEntry e = ring.get((int) (seq - ring.firstSeq())).entry();
      if (e.to() < next) {
        continue;
      }
      if (e.from() > next) {
        f.replyTo().tell(new NotInMemory());
        return true;
      }
      for (StoredEvent ev : e.events()) {
        if (ev.version() == next) {
          out.add(ev);
          next++;
        }
      }
    }
    if (out.isEmpty()) {
      return false;
    }
    f.replyTo().tell(new StreamEvents(out));
    return true;
  }

  private boolean answerAwait(AwaitIndexed a) {
    ArrayDeque<Long> seqs = byStream.get(a.stream());
    if (seqs == null
        || ring.get((int) (seqs.peekLast() - ring.firstSeq())).entry().to() < a.version()) {
      return false;
    }
    a.replyTo().tell(new Covered(true));
    return true;
  }

  /** Ends parks that waited long enough (the subscriber asks again) and stops an unused tail. */
  private Behavior<Command> onTick() {
    long now = System.nanoTime();
    long park = settings.tailPark().toNanos();
    for (Iterator<Parked> it = parked.iterator(); it.hasNext(); ) {
      Parked p = it.next();
      if (now - p.since() >= park) {
        it.remove();
        if (p.request() instanceof Fetch f) {
          f.replyTo().tell(new Entries(List.of()));
        } else if (p.request() instanceof FetchStream f) {
          f.replyTo().tell(new StreamEvents(List.of()));
        } else {
          ((AwaitIndexed) p.request()).replyTo().tell(new Covered(false));
        }
      }
    }
    if (parked.isEmpty() && now - lastRequest > settings.tailIdle().toNanos()) {
      return Behaviors.stopped();
    }
    return this;
  }
}
