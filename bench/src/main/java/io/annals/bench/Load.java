package io.annals.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load: keeps {@code inFlight} requests outstanding, warms up, then measures a fixed
 * window. A request is a function of its sequence number returning a future of its event count (0
 * or less on failure); latency is from send to completion. A request function returning null ends
 * the load early (for a fixed number of requests).
 */
final class Load {
  private Load() {}

  static Result run(
      int inFlight,
      Duration warmUp,
      Duration window,
      IntFunction<CompletableFuture<Integer>> request)
      throws InterruptedException {
    Semaphore slots = new Semaphore(inFlight);
    AtomicBoolean measuring = new AtomicBoolean(false);
    AtomicLong events = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    // written from the completing threads; 3 significant digits, the range grows as needed
    Recorder latencies = new Recorder(3);
    long warmEnd = System.nanoTime() + warmUp.toNanos();
    long end = warmEnd + window.toNanos();
    int n = 0;
    while (System.nanoTime() < end) {
      slots.acquire();
      if (!measuring.get() && System.nanoTime() >= warmEnd) {
        measuring.set(true);
      }
      long sent = System.nanoTime();
      boolean counted = measuring.get();
      CompletableFuture<Integer> pending = request.apply(n++);
      if (pending == null) {
        slots.release();
        break;
      }
      pending.whenComplete(
          (count, failure) -> {
            long took = System.nanoTime() - sent;
            if (counted) {
              if (failure != null || count == null || count <= 0) {
                failures.incrementAndGet();
              } else {
                events.addAndGet(count);
                latencies.recordValue(took);
              }
            }
            slots.release();
          });
    }
    slots.acquire(inFlight);
    return Result.of(
        events.get(), window.toNanos() / 1e9, latencies.getIntervalHistogram(), failures.get());
  }
}
