package io.annals.node.log;

import io.annals.node.journal.Cancel;
import io.annals.node.journal.StoredEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.japi.Pair;

/**
 * Page reads of the logs ({@code /all} merged over its partitions by indexing time, a category as
 * it is) and read-your-writes: waiting until a log has indexed a stream's version, parked on this
 * node's live tail of that log rather than polling.
 */
public final class LogPages {
  private static final Duration RECHECK = Duration.ofMillis(500);

  private final LogReader reader;
  private final AppendPositions appends;
  private final TailAsks tails;
  private final ClusterSharding sharding;
  private final int partitions;
  private final Duration askTimeout;

  LogPages(
      LogReader reader,
      TailAsks tails,
      ClusterSharding sharding,
      int partitions,
      Duration askTimeout) {
    this.reader = reader;
    this.appends = new AppendPositions(reader);
    this.tails = tails;
    this.sharding = sharding;
    this.partitions = partitions;
    this.askTimeout = askTimeout;
  }

  public int partitions() {
    return partitions;
  }

  /** The end of category {@code category}'s log now (where a reader of new events starts). */
  public CompletionStage<Cursor> categoryEnd(String category) {
    return reader.end(LogId.category(category));
  }

  /** The end of the global log now. */
  public CompletionStage<Position.All> allEnd() {
    List<CompletableFuture<Cursor>> ends = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      ends.add(reader.end(LogId.partition(p)).toCompletableFuture());
    }
    return CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new))
        .thenApply(
            done ->
                new Position.All(
                    ends.stream().map(CompletableFuture::join).toArray(Cursor[]::new)));
  }

  /**
   * Up to {@code limit} events of category {@code category} after {@code from}, ending once they
   * hold {@code maxBytes} (at least one).
   */
  public CompletionStage<List<LogEvent>> category(
      String category, Cursor from, int limit, long maxBytes, Cancel cancel) {
    return reader.events(LogId.category(category), from, limit, maxBytes, cancel);
  }

  /**
   * Events of a page read: the global log's partitions merged by indexing time, up to {@code limit}
   * and ending once they hold {@code maxBytes} (at least one). Each partition is read up to both
   * limits (a page may come from one partition alone); a partition whose read ended at the byte
   * budget ends the page at its last event at the latest, since the page holds the budget by then.
   */
  public CompletionStage<List<Pair<Position.All, StoredEvent>>> allPage(
      Position.All from, int limit, long maxBytes, Cancel cancel) {
    List<CompletableFuture<List<LogEvent>>> reads = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      reads.add(
          reader
              .events(LogId.partition(p), from.partitions()[p], limit, maxBytes, cancel)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              int[] taken = new int[partitions];
              Position.All position = from;
              List<Pair<Position.All, StoredEvent>> out = new ArrayList<>(limit);
              long bytes = 0;
              while (out.size() < limit && bytes < maxBytes) {
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
                bytes += e.event().size();
              }
              return out;
            });
  }

  /**
   * The position of the global log right after {@code append}, once the log has indexed it (empty
   * when it has not within {@code timeout}). Fails with an {@link IllegalArgumentException} when
   * the append is too far back to be found.
   */
  public CompletionStage<Optional<Position.All>> allAfter(
      Position.Append append, Duration timeout, Cancel cancel) {
    int own = LogId.partitionOf(append.stream(), partitions);
    String log = LogId.partition(own);
    return whenIndexed(
        log,
        append,
        timeout,
        cancel,
        found -> {
          List<CompletableFuture<Cursor>> cursors = new ArrayList<>();
          for (int p = 0; p < partitions; p++) {
            cursors.add(
                p == own
                    ? CompletableFuture.completedFuture(found.after())
                    : appends
                        .before(LogId.partition(p), p, own, found.recorded())
                        .toCompletableFuture());
          }
          return CompletableFuture.allOf(cursors.toArray(CompletableFuture[]::new))
              .thenApply(
                  done ->
                      new Position.All(
                          cursors.stream().map(CompletableFuture::join).toArray(Cursor[]::new)));
        });
  }

  /**
   * The place in category {@code category}'s log right after {@code append} (a stream of that
   * category), once the log has indexed it; as {@link #allAfter}.
   */
  public CompletionStage<Optional<Cursor>> categoryAfter(
      String category, Position.Append append, Duration timeout, Cancel cancel) {
    return whenIndexed(
        LogId.category(category),
        append,
        timeout,
        cancel,
        found -> CompletableFuture.completedFuture(found.after()));
  }

  private <T> CompletionStage<Optional<T>> whenIndexed(
      String log,
      Position.Append append,
      Duration timeout,
      Cancel cancel,
      Function<AppendPositions.Found, CompletionStage<T>> then) {
    return indexed(log, append.stream(), append.version(), timeout, cancel)
        .thenCompose(
            reached ->
                !reached
                    ? CompletableFuture.completedFuture(Optional.<T>empty())
                    : appends
                        .after(log, append.stream(), append.version())
                        .thenCompose(then)
                        .thenApply(Optional::of))
        .exceptionally(
            failure -> {
              throw AppendPositions.tooOld(failure)
                  .<RuntimeException>map(o -> new IllegalArgumentException(o.getMessage(), o))
                  .orElseGet(
                      () ->
                          failure instanceof RuntimeException r
                              ? r
                              : new CompletionException(failure));
            });
  }

  /**
   * Completes true once log {@code logId} holds version {@code version} of {@code stream}, false
   * when {@code timeout} passes first. Asks the log entity, then waits on this node's tail of the
   * log for an entry of the stream that reaches the version (the tail is registered with the log
   * first, so an entry written after the entity answered reaches it); when no such entry came
   * within half a second, the entity is asked again.
   */
  public CompletionStage<Boolean> indexed(
      String logId, String stream, long version, Duration timeout, Cancel cancel) {
    long deadline = System.nanoTime() + timeout.toNanos();
    return tails
        .tail(logId, null)
        .thenCompose(tail -> covered(logId, stream, version, deadline, tail, cancel))
        .exceptionally(
            failure -> {
              if (failure instanceof Cancel.Cancelled
                  || failure.getCause() instanceof Cancel.Cancelled) {
                throw new Cancel.Cancelled();
              }
              return false;
            });
  }

  private CompletionStage<Boolean> covered(
      String logId,
      String stream,
      long version,
      long deadline,
      org.apache.pekko.actor.typed.ActorRef<LogTail.Command> tail,
      Cancel cancel) {
    if (cancel.cancelled()) {
      // the client has gone: stop asking the log entity and parking on the tail for it
      return CompletableFuture.failedFuture(new Cancel.Cancelled());
    }
    return sharding
        .entityRefFor(LogEntity.TYPE_KEY, logId)
        .<LogEntity.Coverage>ask(r -> new LogEntity.Covers(stream, version, r), askTimeout)
        .thenApply(LogEntity.Coverage::covered)
        .exceptionally(failure -> false)
        .thenCompose(
            covered -> {
              if (covered || System.nanoTime() >= deadline) {
                return CompletableFuture.completedFuture(covered);
              }
              // the tail answers as soon as an entry reaching the version arrives; the entity is
              // asked again at least every RECHECK, in case the entry came before the tail was
              // registered with the log (a tail started by this very request)
              Duration left = Duration.ofNanos(deadline - System.nanoTime());
              Duration step = left.compareTo(RECHECK) < 0 ? left : RECHECK;
              return tails
                  .ask(tail, r -> new LogTail.AwaitIndexed(stream, version, r), step)
                  .exceptionally(timedOut -> new LogTail.Covered(false))
                  .thenCompose(
                      reply ->
                          reply instanceof LogTail.Covered c && c.covered()
                              ? CompletableFuture.completedFuture(true)
                              : covered(logId, stream, version, deadline, tail, cancel));
            });
  }
}
