package io.annals.node.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The node's metrics, one Micrometer {@link PrometheusMeterRegistry} per actor system ({@code
 * Metrics.get(system)}): append outcomes and latency, journal writes and their batch sizes, journal
 * failures, active stream entities and SSE subscribers, which the stream actors and the routes
 * update through the fields below; the cluster membership, the Pekko dispatchers and the JVM, which
 * the registry reads at each scrape. {@link #scrape} writes them in Prometheus text format 0.0.4 or
 * OpenMetrics 1.0.
 */
public final class Metrics implements Extension {
  private static final ExtensionId<Metrics> ID =
      new ExtensionId<>() {
        @Override
        public Metrics createExtension(ActorSystem<?> system) {
          return new Metrics(system);
        }
      };

  public static Metrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The content type of {@link #scrape}{@code (false)}. */
  public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  /** The content type of {@link #scrape}{@code (true)}. */
  public static final String OPEN_METRICS =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";

  /** The {@code status} label values of {@code annals_cluster_members}, always all exported. */
  public static final List<String> MEMBER_STATUSES =
      List.of(
          "joining",
          "weakly_up",
          "up",
          "leaving",
          "exiting",
          "down",
          "removed",
          "preparing_for_shutdown",
          "ready_for_shutdown");

  private static final double[] PER_WRITE = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  private static final double[] SECONDS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };
  private static final String APPENDS = "Appends answered, by result.";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public final Count appendsWritten = appends("written");
  public final Count appendsRetried = appends("retry");
  public final Count appendsConflicted = appends("conflict");
  public final Count appendsUnavailable = appends("unavailable");
  public final Count eventsWritten =
      Count.register(registry, "annals.events.written", "Events made durable in the journal.");
  public final Count journalFailures =
      Count.register(
          registry, "annals.journal.failures", "Journal writes or recoveries that failed.");
  public final Count indexEntriesWritten =
      Count.register(
          registry,
          "annals.index.entries",
          "Entries written to the global and category logs by log entities on this node.");
  public final Count indexRetries =
      Count.register(
          registry,
          "annals.index.retries",
          "Index requests streams re-sent because a log had not acknowledged them in time.");
  public final Count sseEventsSent =
      Count.register(registry, "annals.sse.events", "Events sent to SSE subscribers of this node.");
  public final Level activeStreams =
      Level.register(registry, "annals.active.streams", "Stream entities running on this node.");
  public final Level sseSubscribers =
      Level.register(registry, "annals.sse.subscribers", "Open SSE subscriptions on this node.");
  public final Count subscriptionsRefused =
      Count.register(
          registry,
          "annals.subscriptions.refused",
          "Subscriptions answered 429 because annals.subscriptions.max-open were open.");
  public final Count catchUpSteps =
      Count.register(
          registry,
          "annals.subscriptions.catchup.steps",
          "Catch-up steps (reads of the journal) started by subscriptions on this node.");
  public final Count readsCancelled =
      Count.register(
          registry,
          "annals.reads.cancelled",
          "Page reads and waitFor waits stopped because their client had gone.");
  public final Level readsInFlight =
      Level.register(
          registry,
          "annals.reads.in.flight",
          "Page reads of /all, categories and streams (waitFor included) being answered.");

  /** Events per journal write: above 1 when appends to one stream were grouped. */
  public final Distribution batchEvents =
      Distribution.register(
          registry,
          "annals.journal.batch.events",
          "Events per atomic journal write.",
          null,
          PER_WRITE);

  /** Appends per journal write. */
  public final Distribution batchAppends =
      Distribution.register(
          registry,
          "annals.journal.batch.appends",
          "Appends per atomic journal write.",
          null,
          PER_WRITE);

  /** Seconds from an append request's arrival to its answer. */
  public final Distribution appendSeconds =
      Distribution.register(
          registry,
          "annals.append.latency",
          "Time from an append request to its answer.",
          "seconds",
          SECONDS);

  private Metrics(ActorSystem<?> system) {
    new ClusterMembers(system).bindTo(registry);
    new Dispatchers(system).bindTo(registry);
    JvmMeters jvm = new JvmMeters();
    jvm.bindTo(registry);
    system
        .getWhenTerminated()
        .thenRun(
            () -> {
              jvm.close();
              registry.close();
            });
  }

  /** Whether a scrape with this {@code Accept} header value (or null) asked for OpenMetrics. */
  public static boolean wantsOpenMetrics(String accept) {
    return accept != null && accept.contains("application/openmetrics-text");
  }

  /**
   * Every metric of this node in OpenMetrics 1.0 ({@link #OPEN_METRICS}) or Prometheus text format
   * 0.0.4 ({@link #PROMETHEUS_TEXT}).
   */
  public String scrape(boolean openMetrics) {
    return registry.scrape(openMetrics ? OPEN_METRICS : PROMETHEUS_TEXT);
  }

  /**
   * A gauge of one consumer group ({@code annals_group_<what>{group}}) read from {@code value} at
   * each scrape while the group's entity runs on this node; the returned action removes it.
   */
  public Runnable groupGauge(
      String group, String what, String help, java.util.function.Supplier<Number> value) {
    io.micrometer.core.instrument.Gauge gauge =
        io.micrometer.core.instrument.Gauge.builder("annals.group." + what, value)
            .description(help)
            .tag("group", group)
            .register(registry);
    return () -> registry.remove(gauge);
  }

  private Count appends(String result) {
    return Count.register(registry, "annals.appends", APPENDS, "result", result);
  }
}
