package io.annals.node.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QueryLimitTest {

  @Test
  void refusesAQueryAtOnceWhenTheWaitingQueueIsFull() {
    QueryLimit limit = new QueryLimit(1, 2);
    List<CompletableFuture<String>> started = new CopyOnWriteArrayList<>();
    List<CompletionStage<String>> results = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      results.add(
          limit.run(
              () -> {
                CompletableFuture<String> q = new CompletableFuture<>();
                started.add(q);
                return q;
              }));
    }
    // one runs, two wait, the fourth is refused without starting
    assertEquals(1, started.size());
    CompletableFuture<String> refused = results.get(3).toCompletableFuture();
    assertTrue(refused.isCompletedExceptionally());
    assertTrue(refused.handle((v, e) -> e).join() instanceof JournalBusy, "refused as JournalBusy");
    started.get(0).complete("first");
    await(() -> started.size() == 2);
    started.get(1).complete("second");
    await(() -> started.size() == 3);
    started.get(2).complete("third");
    assertEquals("third", results.get(2).toCompletableFuture().join());
  }

  @Test
  void keepsAtMostMaxQueriesInFlightAndStartsEachWaitingOneWhenASlotFrees() {
    QueryLimit limit = new QueryLimit(3, Integer.MAX_VALUE);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    List<Started> running = new CopyOnWriteArrayList<>();
    List<CompletionStage<String>> results = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int n = i;
      results.add(
          limit.run(
              () -> {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                CompletableFuture<String> query = new CompletableFuture<>();
                running.add(new Started(n, query));
                return query;
              }));
    }
    assertEquals(List.of(0, 1, 2), numbers(running), "three start, seven wait");
    // finish queries one at a time, a failure among them: each frees its slot for the next
    for (int done = 0; done < 10; done++) {
      int d = done;
      await(() -> running.size() > d); // a waiting query starts on another thread
      inFlight.decrementAndGet();
      Started s = running.get(done);
      if (s.n() == 4) {
        s.query().completeExceptionally(new IllegalStateException("read timed out"));
      } else {
        s.query().complete("rows " + s.n());
      }
    }
    // slots go to waiting queries in arrival order; each starts on a thread of its own, so two
    // started at about the same time may begin in either order
    assertEquals(
        List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), numbers(running).stream().sorted().toList());
    assertEquals(3, most.get());
    for (int n = 0; n < 10; n++) {
      CompletableFuture<String> result = results.get(n).toCompletableFuture();
      if (n == 4) {
        assertTrue(result.isCompletedExceptionally());
      } else {
        assertEquals("rows " + n, result.join());
      }
    }
    // a query that throws instead of returning fails, and frees its slot
    CompletionStage<String> thrown =
        limit.run(
            () -> {
              throw new IllegalStateException("session closed");
            });
    assertTrue(thrown.toCompletableFuture().isCompletedExceptionally());
    // every slot is free again
    List<Integer> after = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      limit.run(
          () -> {
            after.add(n);
            return new CompletableFuture<String>();
          });
    }
    assertEquals(List.of(0, 1, 2), after);
  }

  private record Started(int n, CompletableFuture<String> query) {}

  private static List<Integer> numbers(List<Started> started) {
    return started.stream().map(Started::n).toList();
  }

  private static void await(java.util.function.BooleanSupplier done) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
  }
}
