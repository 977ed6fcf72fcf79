package io.annals.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.dispatch.Dispatcher;
import org.apache.pekko.dispatch.MessageDispatcher;

/**
 * The Pekko dispatchers the node's actors run on: {@code pekko_dispatcher_actors{dispatcher}} (the
 * actors attached to each), and Micrometer's {@code executor_*} gauges and counters over each one's
 * thread pool, tagged {@code name} with the dispatcher id (a fork-join pool: parallelism, pool
 * size, active and running threads, queued tasks, steals).
 */
final class Dispatchers implements MeterBinder {
  /** Ours and Pekko's own actors; both always have actors, so their pools are never replaced. */
  static final List<String> IDS =
      List.of("pekko.actor.default-dispatcher", "pekko.actor.internal-dispatcher");

  private final ActorSystem<?> system;

  Dispatchers(ActorSystem<?> system) {
    this.system = system;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (String id : IDS) {
      MessageDispatcher dispatcher = system.classicSystem().dispatchers().lookup(id);
      Gauge.builder("pekko.dispatcher.actors", dispatcher, MessageDispatcher::inhabitants)
          .description("Actors attached to the dispatcher.")
          .tag("dispatcher", id)
          .strongReference(true)
          .register(registry);
      if (dispatcher instanceof Dispatcher pooled) {
        // executorService() is Scala-protected (public in bytecode): the pool the dispatcher runs
        // on
        new ExecutorServiceMetrics(pooled.executorService().executor(), id, Tags.empty())
            .bindTo(registry);
      }
    }
  }
}
