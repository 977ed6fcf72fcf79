package io.annals.node.metrics;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram with fixed upper bounds; lock-free, safe from any thread. */
public final class Histogram {
  private final double[] bounds;
  private final LongAdder[] buckets;
  private final DoubleAdder sum = new DoubleAdder();

  Histogram(double... bounds) {
    this.bounds = bounds;
    this.buckets = new LongAdder[bounds.length + 1];
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  public void observe(double value) {
    int i = 0;
    while (i < bounds.length && value > bounds[i]) {
      i++;
    }
    // buckets[bounds.length] holds the values above every bound (the +Inf bucket's own share)
    buckets[i].increment();
    sum.add(value);
  }

  public long count() {
    long n = 0;
    for (LongAdder b : buckets) {
      n += b.sum();
    }
    return n;
  }

  public double sum() {
    return sum.sum();
  }

  /**
   * Appends this histogram's lines (cumulative buckets, sum, count) to {@code out}. The count is
   * the +Inf bucket, both summed from one read of each bucket, so a scrape during observations is
   * still cumulative and its {@code _count} equals its +Inf bucket.
   */
  void render(StringBuilder out, String name) {
    long cumulative = 0;
    for (int i = 0; i < bounds.length; i++) {
      cumulative += buckets[i].sum();
      out.append(name)
          .append("_bucket{le=\"")
          .append(format(bounds[i]))
          .append("\"} ")
          .append(cumulative)
          .append('\n');
    }
    cumulative += buckets[bounds.length].sum();
    out.append(name).append("_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
    out.append(name).append("_sum ").append(format(sum.sum())).append('\n');
    out.append(name).append("_count ").append(cumulative).append('\n');
  }

  private static String format(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
