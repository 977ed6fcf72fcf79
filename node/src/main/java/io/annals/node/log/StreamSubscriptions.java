package io.annals.node.log;

import io.annals.node.journal.StoredEvent;
import io.annals.node.journal.StreamReader;
import java.util.List;
import java.util.Optional;
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
  private final StreamReader streams;
  private final TailAsks tails;
  private final int catchUpEvents;

  StreamSubscriptions(StreamReader streams, TailAsks tails, int catchUpEvents) {
    this.streams = streams;
    this.tails = tails;
    this.catchUpEvents = catchUpEvents;
  }

  /** The events of {@code stream} from version {@code from} (inclusive), in chunks. */
  public Source<List<StoredEvent>, NotUsed> stream(String stream, long from) {
    return Source.unfoldAsync(new StreamStep(from - 1, -1, null), s -> step(stream, s))
        .filter(events -> !events.isEmpty());
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
}
