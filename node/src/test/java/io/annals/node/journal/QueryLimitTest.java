package io.annals.node.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QueryLimitTest {

  @Test
  void keepsAtMostMaxQueriesInFlightAndStartsTheWaitingOnesInArrivalOrder() {
    QueryLimit limit = new QueryLimit(3);
    AtomicInteger inFlight = new AtomicInteger();
    int[] most = new int[1];
    List<CompletableFuture<String>> running = new ArrayList<>();
    List<Integer> started = new ArrayList<>();
    List<CompletionStage<String>> results = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int n = i;
      results.add(
          limit.run(
              () -> {
                started.add(n);
                most[0] = Math.max(most[0], inFlight.incrementAndGet());
                CompletableFuture<String> query = new CompletableFuture<>();
                running.add(query);
                return query;
              }));
    }
    assertEquals(List.of(0, 1, 2), started, "three start, seven wait");
    // finish queries one at a time, a failure among them: each frees its slot for the next
    for (int done = 0; done < 10; done++) {
      inFlight.decrementAndGet();
      if (done == 4) {
        running.get(done).completeExceptionally(new IllegalStateException("read timed out"));
      } else {
        running.get(done).complete("rows " + done);
      }
    }
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), started);
    assertEquals(3, most[0]);
    assertEquals("rows 9", results.get(9).toCompletableFuture().join());
    assertTrue(results.get(4).toCompletableFuture().isCompletedExceptionally());
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
}
