package io.annals.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Micrometer's JVM and process binders ({@code jvm_memory_*}, {@code jvm_buffer_*}, {@code
 * jvm_gc_*}, {@code jvm_threads_*}, {@code jvm_classes_*}, {@code jvm_info}, {@code process_*},
 * {@code system_*}), and {@code jvm_heap_used_bytes} / {@code jvm_heap_max_bytes}, the two heap
 * gauges the node exported before them. {@link #close} stops the GC listener.
 */
final class JvmMeters implements AutoCloseable {
  private final JvmGcMetrics gc = new JvmGcMetrics();

  void bindTo(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    Gauge.builder("jvm.heap.used", memory, m -> m.getHeapMemoryUsage().getUsed())
        .description("Heap in use.")
        .baseUnit(BaseUnits.BYTES)
        .register(registry);
    Gauge.builder("jvm.heap.max", memory, m -> m.getHeapMemoryUsage().getMax())
        .description("Largest heap the JVM may use.")
        .baseUnit(BaseUnits.BYTES)
        .register(registry);
  }

  @Override
  public void close() {
    gc.close();
  }
}
