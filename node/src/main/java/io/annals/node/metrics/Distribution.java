package io.annals.node.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A Prometheus histogram ({@code _bucket}, {@code _sum}, {@code _count}) with fixed upper bounds,
 * plus Micrometer's {@code _max} gauge: a distribution summary whose buckets are exactly its
 * service level objectives, with no percentiles.
 */
public final class Distribution {
  private final DistributionSummary summary;

  private Distribution(DistributionSummary summary) {
    this.summary = summary;
  }

  /** {@code unit} (e.g. "seconds") is appended to the exported name; null for a plain count. */
  static Distribution register(
      MeterRegistry registry, String name, String help, String unit, double... bounds) {
    return new Distribution(
        DistributionSummary.builder(name)
            .description(help)
            .baseUnit(unit)
            .serviceLevelObjectives(bounds)
            .publishPercentileHistogram(false)
            .register(registry));
  }

  public void observe(double value) {
    summary.record(value);
  }
}
