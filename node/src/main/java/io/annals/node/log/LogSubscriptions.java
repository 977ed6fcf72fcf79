package io.annals.node.log;

import io.annals.node.journal.Cancel;
import io.annals.node.metrics.Count;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Subscriptions to a log ({@code /all} or a category) as Pekko Streams sources: each first reads
 * the journal from the subscriber's place (catch-up), then asks this node's {@link LogTail} for
 * what follows (live), falling back to the journal whenever the tail no longer has it. Every step
 * is taken only on downstream demand, so a slow subscriber slows only its own reads and holds at
 * most one chunk of events.
 */
public final class LogSubscriptions {
  private final LogReader reader;
  private final TailAsks tails;
  private final int partitions;
  private final int chunk;
  private final int catchUpEvents;
  private final long catchUpBytes;
  private final Count catchUpSteps;

  LogSubscriptions(
      LogReader reader,
      TailAsks tails,
      int partitions,
      int chunk,
      int catchUpEvents,
      long catchUpBytes,
      Count catchUpSteps) {
    this.catchUpSteps = catchUpSteps;
    this.reader = reader;
    this.tails = tails;
    this.partitions = partitions;
    this.chunk = chunk;
    this.catchUpEvents = catchUpEvents;
    this.catchUpBytes = catchUpBytes;
  }

  /**
   * The whole global log after {@code from}, in chunks; each event with the position right after
   * it. The partitions are merged as their events come. The merge holds one step of every
   * partition: a live step takes its share of {@code chunk-events} from the tail (a stalled
   * subscriber then holds about one chunk of references to the tails' events); a catch-up step
   * hands on {@code catch-up-events} read from Cassandra, as fewer, longer reads are what makes
   * catch-up fast, within its share of {@code catch-up-bytes}, so the merge holds about {@code
   * catch-up-bytes} in all.
   */
  public Source<List<Pair<Position.All, LogEvent>>, NotUsed> all(Position.All from, Cancel cancel) {
    int share = Math.max(1, chunk / partitions);
    long bytes = Math.max(1, catchUpBytes / partitions);
    return Source.range(0, partitions - 1)
        .flatMapMerge(
            partitions,
            p ->
                log(LogId.partition(p), from.partitions()[p], share, bytes, cancel)
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
   * One log after {@code from}: in steps of {@code catch-up-events} (and at most {@code
   * catch-up-bytes}) while catching up, of at most {@code chunk-events} when live. A step that
   * starts after {@code cancel} says the client has gone reads nothing.
   */
  public Source<List<LogEvent>, NotUsed> log(String logId, Cursor from, Cancel cancel) {
    return log(logId, from, chunk, catchUpBytes, cancel);
  }

  private Source<List<LogEvent>, NotUsed> log(
      String logId, Cursor from, int liveMax, long maxBytes, Cancel cancel) {
    Budget budget = new Budget(catchUpEvents, maxBytes, cancel);
    return Source.unfoldAsync(LogStep.catchingUp(from, null), s -> step(logId, s, liveMax, budget))
        .filter(events -> !events.isEmpty());
  }

  /** What one catch-up step may hand on, and whether its client is still there. */
  private record Budget(int events, long bytes, Cancel cancel) {}

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
      LogReader.Read estimates) {
    static LogStep catchingUp(Cursor cursor, ActorRef<LogTail.Command> tail) {
      return new LogStep(cursor, false, tail, List.of(), null);
    }

    LogStep advancedBy(List<LogEvent> events) {
      return events.isEmpty()
          ? this
          : new LogStep(events.get(events.size() - 1).after(), live, tail, ahead, estimates);
    }

    /**
     * Emits the first events of {@code events} up to the step's {@code budget} (at least one),
     * keeping the rest ahead for the next step.
     */
    Pair<LogStep, List<LogEvent>> emit(
        List<LogEvent> events, Budget budget, LogReader.Read estimates) {
      if (events.isEmpty()) {
        return Pair.create(new LogStep(cursor, true, tail, List.of(), null), events);
      }
      int n = fitting(events, budget);
      List<LogEvent> out = events.subList(0, n);
      List<LogEvent> rest = List.copyOf(events.subList(n, events.size()));
      return Pair.create(
          new LogStep(out.get(n - 1).after(), false, tail, rest, estimates), List.copyOf(out));
    }
  }

  /** A step that failed because its client has gone ends the source quietly; others fail it. */
  static <T> Optional<T> endIfCancelled(Throwable failure) {
    Throwable cause =
        failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
    if (cause instanceof Cancel.Cancelled) {
      return Optional.empty();
    }
    throw failure instanceof RuntimeException re
        ? re
        : new java.util.concurrent.CompletionException(failure);
  }

  /** How many of the first {@code events} a step hands on: its events and bytes, at least one. */
  private static int fitting(List<LogEvent> events, Budget budget) {
    int n = 0;
    long bytes = 0;
    while (n < events.size() && n < budget.events() && (n == 0 || bytes < budget.bytes())) {
      bytes += events.get(n++).event().size();
    }
    return n;
  }

  /**
   * Catching up: emits {@code catch-up-events} from the events read ahead, reading more (whole
   * index entries) first when they are fewer. Nothing left to read means the subscriber is live.
   */
  private CompletionStage<Optional<Pair<LogStep, List<LogEvent>>>> catchUp(
      String logId, LogStep s, Budget budget) {
    List<LogEvent> ahead = s.ahead();
    long aheadBytes = 0;
    for (LogEvent e : ahead) {
      aheadBytes += e.event().size();
    }
    if (ahead.size() >= budget.events() || aheadBytes >= budget.bytes()) {
      return CompletableFuture.completedFuture(Optional.of(s.emit(ahead, budget, s.estimates())));
    }
    Cursor from = ahead.isEmpty() ? s.cursor() : ahead.get(ahead.size() - 1).after();
    catchUpSteps.increment();
    return reader
        .ahead(
            logId,
            from,
            budget.events() - ahead.size(),
            budget.bytes() - aheadBytes,
            s.estimates(),
            budget.cancel())
        .thenApply(
            read -> {
              List<LogEvent> events = new ArrayList<>(ahead.size() + read.events().size());
              events.addAll(ahead);
              events.addAll(read.events());
              return Optional.of(s.emit(events, budget, read));
            });
  }

  private CompletionStage<Optional<Pair<LogStep, List<LogEvent>>>> step(
      String logId, LogStep s, int liveMax, Budget budget) {
    if (budget.cancel().cancelled()) {
      return CompletableFuture.completedFuture(Optional.empty()); // the client has gone
    }
    if (!s.live()) {
      return catchUp(logId, s, budget).exceptionally(LogSubscriptions::endIfCancelled);
    }
    return tails
        .tail(logId, s.tail())
        .thenCompose(
            tail ->
                tails
                    .ask(tail, r -> new LogTail.Fetch(s.cursor().seq(), liveMax, r))
                    .thenApply(
                        reply -> {
                          if (reply instanceof LogTail.Entries e) {
                            List<LogEvent> events =
                                LogEvent.after(e.entries(), s.cursor(), liveMax);
                            LogStep at = new LogStep(s.cursor(), true, tail, List.of(), null);
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
}
