package io.annals.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.LongAdder;

/**
 * A gauge that call sites move up and down (entities running, subscriptions open); lock-free, and
 * read by the registry at each scrape.
 */
public final class Level {
  private final LongAdder value = new LongAdder();

  private Level() {}

  static Level register(MeterRegistry registry, String name, String help) {
    Level level = new Level();
    Gauge.builder(name, level.value, LongAdder::sum)
        .description(help)
        .strongReference(true)
        .register(registry);
    return level;
  }

  public void increment() {
    value.increment();
  }

  public void decrement() {
    value.decrement();
  }
}
