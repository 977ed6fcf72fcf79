package io.annals.bench;

/** One measured run: events per second, request latency percentiles, and failed requests. */
record Result(double eventsPerSecond, double p50Millis, double p99Millis, long failures) {

  static Result of(long events, double seconds, long[] latenciesNanos, int count, long failures) {
    long[] sorted = java.util.Arrays.copyOf(latenciesNanos, count);
    java.util.Arrays.sort(sorted);
    double p50 = count == 0 ? 0 : sorted[(int) (count * 0.50)] / 1e6;
    double p99 = count == 0 ? 0 : sorted[Math.min(count - 1, (int) (count * 0.99))] / 1e6;
    return new Result(events / seconds, p50, p99, failures);
  }
}
