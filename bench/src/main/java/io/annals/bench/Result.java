package io.annals.bench;

import org.HdrHistogram.Histogram;

/** One measured run: events per second, request latency percentiles, and failed requests. */
record Result(double eventsPerSecond, double p50Millis, double p99Millis, long failures) {

  /** {@code latenciesNanos} holds the latency of every successful request of the run. */
  static Result of(long events, double seconds, Histogram latenciesNanos, long failures) {
    boolean none = latenciesNanos.getTotalCount() == 0;
    double p50 = none ? 0 : latenciesNanos.getValueAtPercentile(50) / 1e6;
    double p99 = none ? 0 : latenciesNanos.getValueAtPercentile(99) / 1e6;
    return new Result(events / seconds, p50, p99, failures);
  }
}
