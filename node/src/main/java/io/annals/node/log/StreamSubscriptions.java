package io.annals.node.log;

import io.annals.node.journal.Cancel;
import io.annals.node.journal.StoredEvent;
import io.annals.node.journal.StreamReader;
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
 * Subscriptions to one stream as Pekko Streams sources: the stream's journal first, then the
 * stream's own entries in its category's live tail (found through the tail's per-stream index),
 * back to the journal whenever the tail cannot vouch for what follows. One step per demand.
 */
public final class StreamSubscriptions {
  private static final int FIRST_EVENTS = 16;

  private final StreamReader streams;
  private final TailAsks tails;
  private final int catchUpEvents;
  private final long catchUpBytes;
  private final Count catchUpSteps;

  StreamSubscriptions(
      StreamReader streams,
      TailAsks tails,
      int catchUpEvents,
      long catchUpBytes,
      Count catchUpSteps) {
    this.catchUpSteps = catchUpSteps;
    this.streams = streams;
    this.tails = tails;
    this.catchUpEvents = catchUpEvents;
    this.catchUpBytes = catchUpBytes;
  }

  /**
   * The events of {@code stream} from version {@code from} (inclusive), in chunks. A catch-up step
   * hands on at most {@code catch-up-events} and stops reading once they hold {@code
   * catch-up-bytes}; no step starts, and a step reads no more, once {@code cancel} says the client
   * has gone.
   */
  public Source<List<StoredEvent>, NotUsed> stream(String stream, long from, Cancel cancel) {
    return Source.unfoldAsync(new StreamStep(from - 1, -1, null, 0), s -> step(stream, s, cancel))
        .filter(events -> !events.isEmpty());
  }

  /** {@code perEvent}: the average size of the events read so far (0: none read yet). */
  private record StreamStep(
      long after, long readStarted, ActorRef<LogTail.Command> tail, long perEvent) {}

  private CompletionStage<Optional<Pair<StreamStep, List<StoredEvent>>>> step(
      String stream, StreamStep s, Cancel cancel) {
    if (cancel.cancelled()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    if (s.readStarted() < 0) {
      long started = System.nanoTime();
      catchUpSteps.increment();
      return catchUp(stream, s.after(), s.perEvent(), cancel, new ArrayList<>(), 0)
          .thenApply(
              events -> {
                if (events.isEmpty()) {
                  return Optional.of(
                      Pair.create(new StreamStep(s.after(), started, s.tail(), 0), events));
                }
                long last = events.get(events.size() - 1).version();
                long perEvent = Math.max(1, bytes(events) / events.size());
                return Optional.of(
                    Pair.create(new StreamStep(last, -1, s.tail(), perEvent), events));
              })
          .exceptionally(LogSubscriptions::endIfCancelled);
    }
    return tails
        .tail(LogId.category(LogId.categoryOf(stream)), s.tail())
        .thenCompose(
            tail ->
                tails
                    .ask(tail, r -> new LogTail.FetchStream(stream, s.after(), s.readStarted(), r))
                    .thenApply(
                        reply -> {
                          if (reply instanceof LogTail.StreamEvents e && !e.events().isEmpty()) {
                            List<StoredEvent> events = e.events();
                            long last = events.get(events.size() - 1).version();
                            return Optional.of(
                                Pair.create(
                                    new StreamStep(last, s.readStarted(), tail, s.perEvent()),
                                    events));
                          }
                          long again = reply instanceof LogTail.StreamEvents ? s.readStarted() : -1;
                          return Optional.of(
                              Pair.create(
                                  new StreamStep(s.after(), again, tail, s.perEvent()),
                                  List.<StoredEvent>of()));
                        }))
        .exceptionally(
            failure ->
                Optional.of(
                    Pair.create(new StreamStep(s.after(), -1, null, s.perEvent()), List.of())));
  }

  /**
   * One catch-up step: the events after {@code after}, read in rounds sized by the bytes left at
   * the size of the events seen ({@code 16} at first), until {@code catch-up-events}, {@code
   * catch-up-bytes} or the stream's end is reached.
   */
  private CompletionStage<List<StoredEvent>> catchUp(
      String stream, long after, long perEvent, Cancel cancel, List<StoredEvent> got, long bytes) {
    if (cancel.cancelled()) {
      return CompletableFuture.failedFuture(new Cancel.Cancelled());
    }
    long size = got.isEmpty() ? perEvent : Math.max(1, bytes / got.size());
    long byBytes = size <= 0 ? FIRST_EVENTS : Math.max(1, (catchUpBytes - bytes) / size);
    long growth = got.isEmpty() ? FIRST_EVENTS * 16L : 4L * got.size();
    int round = (int) Math.min(catchUpEvents - got.size(), Math.min(byBytes, growth));
    long from = got.isEmpty() ? after + 1 : got.get(got.size() - 1).version() + 1;
    return streams
        .read(stream, from, from + round - 1)
        .thenCompose(
            events -> {
              got.addAll(events);
              long total = bytes + bytes(events);
              return events.size() < round || got.size() >= catchUpEvents || total >= catchUpBytes
                  ? CompletableFuture.completedFuture(got)
                  : catchUp(stream, after, perEvent, cancel, got, total);
            });
  }

  private static long bytes(List<StoredEvent> events) {
    long bytes = 0;
    for (StoredEvent e : events) {
      bytes += e.size();
    }
    return bytes;
  }
}
