package io.annals.node.log;

import io.annals.node.CborSerializable;
import io.annals.node.journal.Micros;
import io.annals.node.journal.StoredEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The persistent half of a log entity: its journal holds one small {@link Indexed} entry per stream
 * batch ("stream s, versions a..b"), so the journal's sequence numbers are the log's gapless
 * positions. A batch of {@link LogEntity.Index} requests becomes one atomic journal write; a
 * request for versions the log already holds writes nothing, and a request past a gap (an index
 * request lost in a crash) writes the whole missing range, so every version of every stream is
 * indexed exactly once and in order.
 */
final class LogJournal
    extends EventSourcedBehavior<LogJournal.Command, LogJournal.Indexed, LogState> {

  sealed interface Command extends CborSerializable permits WriteEntries, Covers, ListStreams {}

  record WriteEntries(List<LogEntity.Index> requests, ActorRef<LogEntity.Command> front)
      implements Command {}

  record Covers(String stream, long version, ActorRef<LogEntity.Coverage> replyTo)
      implements Command {}

  record ListStreams(String after, int limit, ActorRef<LogEntity.StreamNames> replyTo)
      implements Command {}

  /**
   * The journal event: versions {@code from..to} of {@code stream}, indexed at {@code recorded}.
   */
  record Indexed(String stream, long from, long to, long recorded) implements CborSerializable {}

  static PersistenceId persistenceId(String logId) {
    return PersistenceId.of(LogEntity.TYPE_KEY.name(), logId);
  }

  static Behavior<Command> create(
      String logId, ActorRef<LogEntity.Command> front, int snapshotEvery) {
    return Behaviors.setup(ctx -> new LogJournal(logId, front, snapshotEvery));
  }

  private final String logId;
  private final ActorRef<LogEntity.Command> front;
  private final int snapshotEvery;

  private LogJournal(String logId, ActorRef<LogEntity.Command> front, int snapshotEvery) {
    super(persistenceId(logId));
    this.logId = logId;
    this.front = front;
    this.snapshotEvery = snapshotEvery;
  }

  @Override
  public LogState emptyState() {
    return new LogState();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return snapshotEvery > 0
        ? RetentionCriteria.snapshotEvery(snapshotEvery, 2)
        : RetentionCriteria.disabled();
  }

  @Override
  public SnapshotAdapter<LogState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(LogState state) {
        return state.toSnapshot();
      }

      @Override
      public LogState fromJournal(Object from) {
        return LogState.fromSnapshot((LogState.Snapshot) from);
      }
    };
  }

  @Override
  public CommandHandler<Command, Indexed, LogState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(WriteEntries.class, this::onWrite)
        .onCommand(
            Covers.class,
            (state, c) -> {
              c.replyTo()
                  .tell(new LogEntity.Coverage(state.indexedVersion(c.stream()) >= c.version()));
              return Effect().none();
            })
        .onCommand(
            ListStreams.class,
            (state, l) -> {
              List<String> names = state.streamsAfter(l.after(), l.limit() + 1);
              boolean more = names.size() > l.limit();
              l.replyTo()
                  .tell(
                      new LogEntity.StreamNames(
                          List.copyOf(more ? names.subList(0, l.limit()) : names), more));
              return Effect().none();
            })
        .build();
  }

  private Effect<Indexed, LogState> onWrite(LogState state, WriteEntries write) {
    long now = Micros.now();
    Map<String, Long> pending = new HashMap<>();
    List<Indexed> entries = new ArrayList<>();
    List<List<StoredEvent>> events = new ArrayList<>();
    for (LogEntity.Index index : write.requests()) {
      long held = pending.getOrDefault(index.stream(), state.indexedVersion(index.stream()));
      if (index.to() <= held) {
        continue;
      }
      entries.add(new Indexed(index.stream(), held + 1, index.to(), now));
      events.add(covering(index.events(), held + 1, index.to()));
      pending.put(index.stream(), index.to());
    }
    Runnable answer =
        () -> {
          for (LogEntity.Index index : write.requests()) {
            if (index.replyTo() != null) { // null: part of a batch, which the front answers
              index.replyTo().tell(new LogEntity.IndexedUpTo(logId, index.stream(), index.to()));
            }
          }
        };
    if (entries.isEmpty()) {
      answer.run();
      write.front().tell(new LogEntity.EntriesWritten(List.of()));
      return Effect().none();
    }
    return Effect()
        .persist(entries)
        .thenRun(
            s -> {
              long first = s.head() - entries.size() + 1;
              List<LogEntry> written = new ArrayList<>(entries.size());
              for (int i = 0; i < entries.size(); i++) {
                Indexed e = entries.get(i);
                written.add(
                    new LogEntry(
                        first + i, e.stream(), e.from(), e.to(), e.recorded(), events.get(i)));
              }
              answer.run();
              write.front().tell(new LogEntity.EntriesWritten(written));
            });
  }

  /** The events of versions {@code from..to} when {@code given} has all of them, else null. */
  private static List<StoredEvent> covering(List<StoredEvent> given, long from, long to) {
    if (given.isEmpty()) {
      return null;
    }
    long first = given.get(0).version();
    long last = given.get(given.size() - 1).version();
    if (first > from || last != to || last - first + 1 != given.size()) {
      return null;
    }
    return List.copyOf(given.subList((int) (from - first), given.size()));
  }

  @Override
  public EventHandler<LogState, Indexed> eventHandler() {
    return LogState::apply;
  }

  @Override
  public SignalHandler<LogState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> front.tell(new LogEntity.JournalReady(state.head())))
        .build();
  }
}
