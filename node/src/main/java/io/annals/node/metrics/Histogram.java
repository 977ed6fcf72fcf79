package io.annals.node.metrics;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram with fixed upper bounds; lock-free, safe from any thread. */
public final class Histogram {
  private final double[] bounds;
  private final LongAdder[] buckets;
  private final LongAdder count = new LongAdder();
  private final DoubleAdder sum = new DoubleAdder();

  Histogram(double... bounds) {
    this.bounds = bounds;
    this.buckets = new LongAdder[bounds.length];
    for (int i = 0; i < bounds.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  public void observe(double value) {
    for (int i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        buckets[i].increment();
        break;
      }
    }
    count.increment();
    sum.add(value);
  }

  public long count() {
    return count.sum();
  }

  public double sum() {
    return sum.sum();
  }

  /** Appends this histogram's lines (cumulative buckets, sum, count) to {@code out}. */
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
    out.append(name).append("_bucket{le=\"+Inf\"} ").append(count.sum()).append('\n');
    out.append(name).append("_sum ").append(format(sum.sum())).append('\n');
    out.append(name).append("_count ").append(count.sum()).append('\n');
  }

  private static String format(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
