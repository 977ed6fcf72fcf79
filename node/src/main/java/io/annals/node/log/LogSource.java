package io.annals.node.log;

import io.annals.node.stream.StoredEvent;
import io.annals.node.stream.StreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Subscriptions as Pekko Streams sources: each first reads the journal from the subscriber's place
 * (catch-up), then asks this node's {@link LogTail} for what follows (live), falling back to the
 * journal whenever the tail no longer has it. Every step is taken only on downstream demand, so a
 * slow subscriber slows only its own reads and holds at most one chunk of events.
 */
public final class LogSource {
  private final ActorSystem<?> system;
  private final LogReader reader;
  private final StreamReader streams;
  private final ActorRef<LogTails.Get> tails;
  private final int partitions;
  private final int chunk;
  private final int catchUpEvents;
  private final Duration askTimeout;

  public LogSource(
      ActorSystem<?> system,
      LogReader reader,
      StreamReader streams,
      ActorRef<LogTails.Get> tails,
      int partitions,
      int chunk,
      int catchUpEvents,
      Duration askTimeout) {
    this.system = system;
    this.reader = reader;
    this.streams = streams;
    this.tails = tails;
    this.partitions = partitions;
    this.chunk = chunk;
    this.catchUpEvents = catchUpEvents;
    this.askTimeout = askTimeout;
  }

  /**
   * The whole global log after {@code from}, in chunks; each event with the position right after
   * it. The partitions are merged as their events come. The merge holds one step of every
   * partition: a live step takes its share of {@code chunk-events} from the tail (a stalled
   * subscriber then holds about one chunk of references to the tails' events); a catch-up step
   * hands on {@code catch-up-events} read from Cassandra, as fewer, longer reads are what makes
   * catch-up fast.
   */
  public Source<List<Pair<Position.All, LogEvent>>, NotUsed> all(Position.All from) {
    int share = Math.max(1, chunk / partitions);
    return Source.range(0, partitions - 1)
        .flatMapMerge(
            partitions,
            p ->
                log(LogId.partition(p), from.partitions()[p], share)
                    .map(chunk -> Pair.create(p, chunk)))
        .statefulMap(
            () -> new Position.All(from.partitions()),
            (position, chunk) -> {
              List<Pair<Position.All, LogEvent>> out = new ArrayList<>(chunk.second().size());
              Position.All at = position;
              for (LogEvent e : chunk.second()) {
                at = at.with(chunk.first(), e.after());
                out.add(Pair.create(at, e));
              }
              return Pair.create(at, out);
            },
            position -> Optional.empty());
  }

  /**
   * One log after {@code from}: in steps of {@code catch-up-events} while catching up, of at most
   * {@code chunk-events} when live.
   */
  public Source<List<LogEvent>, NotUsed> log(String logId, Cursor from) {
    return log(logId, from, chunk);
  }

  private Source<List<LogEvent>, NotUsed> log(String logId, Cursor from, int liveMax) {
    return Source.unfoldAsync(LogStep.catchingUp(from, null), s -> step(logId, s, liveMax))
        .filter(events -> !events.isEmpty());
  }

  /** The events of {@code stream} from version {@code from} (inclusive), in chunks. */
  public Source<List<StoredEvent>, NotUsed> stream(String stream, long from) {
    return Source.unfoldAsync(new StreamStep(from - 1, -1, null), s -> step(stream, s))
        .filter(events -> !events.isEmpty());
  }

  /**
   * A log subscription's state: its place (after the last event it emitted), whether it is live,
   * its tail once found, and, while catching up, the events it read ahead (the rest of the last
   * index entry it read, so no stream range is read twice) and the events per entry it saw.
   */
  private record LogStep(
      Cursor cursor,
      boolean live,
      ActorRef<LogTail.Command> tail,
      List<LogEvent> ahead,
      long perEntry) {
    static LogStep catchingUp(Cursor cursor, ActorRef<LogTail.Command> tail) {
      return new LogStep(cursor, false, tail, List.of(), 0);
    }

    LogStep advancedBy(List<LogEvent> events) {
      return events.isEmpty()
          ? this
          : new LogStep(events.get(events.size() - 1).after(), live, tail, ahead, perEntry);
    }

    /**
     * Emits the first {@code chunk} of {@code events}, keeping the rest ahead for the next step.
     */
    Pair<LogStep, List<LogEvent>> emit(List<LogEvent> events, int chunk, long perEntry) {
      if (events.isEmpty()) {
        return Pair.create(new LogStep(cursor, true, tail, List.of(), 0), events);
      }
      int n = Math.min(chunk, events.size());
      List<LogEvent> out = events.subList(0, n);
      List<LogEvent> rest = List.copyOf(events.subList(n, events.size()));
      return Pair.create(
          new LogStep(out.get(n - 1).after(), false, tail, rest, perEntry), List.copyOf(out));
    }
  }

  /**
   * Catching up: emits {@code catch-up-events} from the events read ahead, reading more (whole
   * index entries) first when they are fewer. Nothing left to read means the subscriber is live.
   */
  private CompletionStage<Optional<Pair<LogStep, List<LogEvent>>>> catchUp(
      String logId, LogStep s) {
    List<LogEvent> ahead = s.ahead();
    if (ahead.size() >= catchUpEvents) {
      return CompletableFuture.completedFuture(
          Optional.of(s.emit(ahead, catchUpEvents, s.perEntry())));
    }
    Cursor from = ahead.isEmpty() ? s.cursor() : ahead.get(ahead.size() - 1).after();
    return reader
        .ahead(logId, from, catchUpEvents - ahead.size(), s.perEntry())
        .thenApply(
            read -> {
              List<LogEvent> events = new ArrayList<>(ahead.size() + read.events().size());
              events.addAll(ahead);
              events.addAll(read.events());
              return Optional.of(s.emit(events, catchUpEvents, read.perEntry()));
            });
  }

  private CompletionStage<Optional<Pair<LogStep, List<LogEvent>>>> step(
      String logId, LogStep s, int liveMax) {
    if (!s.live()) {
      return catchUp(logId, s);
    }
    return tail(logId, s.tail())
        .thenCompose(
            tail ->
                AskPattern.<LogTail.Command, LogTail.Reply>ask(
                        tail,
                        r -> new LogTail.Fetch(s.cursor().seq(), liveMax, r),
                        askTimeout,
                        system.scheduler())
                    .thenApply(
                        reply -> {
                          if (reply instanceof LogTail.Entries e) {
                            List<LogEvent> events =
                                LogEvent.after(e.entries(), s.cursor(), liveMax);
                            LogStep at = new LogStep(s.cursor(), true, tail, List.of(), 0);
                            return Optional.of(Pair.create(at.advancedBy(events), events));
                          }
                          return Optional.of(
                              Pair.create(
                                  LogStep.catchingUp(s.cursor(), tail), List.<LogEvent>of()));
                        }))
        .exceptionally(
            failure -> // the tail stopped or is busy: read the journal, find the tail again
            Optional.of(Pair.create(LogStep.catchingUp(s.cursor(), null), List.of())));
  }

  private record StreamStep(long after, long readStarted, ActorRef<LogTail.Command> tail) {}

  private CompletionStage<Optional<Pair<StreamStep, List<StoredEvent>>>> step(
      String stream, StreamStep s) {
    if (s.readStarted() < 0) {
      long started = System.nanoTime();
      return streams
          .read(stream, s.after() + 1, s.after() + catchUpEvents)
          .thenApply(
              events ->
                  Optional.of(
                      events.isEmpty()
                          ? Pair.create(new StreamStep(s.after(), started, s.tail()), events)
                          : Pair.create(
                              new StreamStep(events.get(events.size() - 1).version(), -1, s.tail()),
                              events)));
    }
    return tail(LogId.category(LogId.categoryOf(stream)), s.tail())
        .thenCompose(
            tail ->
                AskPattern.<LogTail.Command, LogTail.Reply>ask(
                        tail,
                        r -> new LogTail.FetchStream(stream, s.after(), s.readStarted(), r),
                        askTimeout,
                        system.scheduler())
                    .thenApply(
                        reply -> {
                          if (reply instanceof LogTail.StreamEvents e && !e.events().isEmpty()) {
                            List<StoredEvent> events = e.events();
                            long last = events.get(events.size() - 1).version();
                            return Optional.of(
                                Pair.create(new StreamStep(last, s.readStarted(), tail), events));
                          }
                          long again = reply instanceof LogTail.StreamEvents ? s.readStarted() : -1;
                          return Optional.of(
                              Pair.create(
                                  new StreamStep(s.after(), again, tail), List.<StoredEvent>of()));
                        }))
        .exceptionally(
            failure -> Optional.of(Pair.create(new StreamStep(s.after(), -1, null), List.of())));
  }

  private CompletionStage<ActorRef<LogTail.Command>> tail(
      String logId, ActorRef<LogTail.Command> known) {
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    return AskPattern.ask(tails, r -> new LogTails.Get(logId, r), askTimeout, system.scheduler());
  }

  /** Events of a page read: the global log's partitions merged by indexing time. */
  public CompletionStage<List<Pair<Position.All, StoredEvent>>> allPage(
      Position.All from, int limit) {
    List<CompletableFuture<List<LogEvent>>> reads = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      reads.add(
          reader.events(LogId.partition(p), from.partitions()[p], limit).toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              int[] taken = new int[partitions];
              Position.All position = from;
              List<Pair<Position.All, StoredEvent>> out = new ArrayList<>(limit);
              while (out.size() < limit) {
                int best = -1;
                for (int p = 0; p < partitions; p++) {
                  List<LogEvent> r = reads.get(p).join();
                  if (taken[p] < r.size()
                      && (best < 0
                          || r.get(taken[p]).indexed()
                              < reads.get(best).join().get(taken[best]).indexed())) {
                    best = p;
                  }
                }
                if (best < 0) {
                  break;
                }
                LogEvent e = reads.get(best).join().get(taken[best]++);
                position = position.with(best, e.after());
                out.add(Pair.create(position, e.event()));
              }
              return out;
            });
  }

  public int partitions() {
    return partitions;
  }

  public LogReader reader() {
    return reader;
  }
}
