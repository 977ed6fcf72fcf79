package io.annals.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** A counter of the registry ({@code <name>_total}); call sites increment it or add to it. */
public final class Count {
  private final Counter counter;

  private Count(Counter counter) {
    this.counter = counter;
  }

  static Count register(MeterRegistry registry, String name, String help, String... tags) {
    return new Count(Counter.builder(name).description(help).tags(tags).register(registry));
  }

  public void increment() {
    counter.increment();
  }

  public void add(long n) {
    counter.increment(n);
  }
}
