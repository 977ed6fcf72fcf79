package io.annals.node.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The node's metrics, one instance per actor system ({@code Metrics.get(system)}): append outcomes
 * and latency, journal writes and their batch sizes, journal failures, active stream entities and
 * SSE subscribers. {@link #render} writes them, with the cluster membership the caller passes, in
 * Prometheus text format 0.0.4.
 */
public final class Metrics implements Extension {
  private static final ExtensionId<Metrics> ID =
      new ExtensionId<>() {
        @Override
        public Metrics createExtension(ActorSystem<?> system) {
          return new Metrics();
        }
      };

  public static Metrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public final LongAdder appendsWritten = new LongAdder();
  public final LongAdder appendsRetried = new LongAdder();
  public final LongAdder appendsConflicted = new LongAdder();
  public final LongAdder appendsUnavailable = new LongAdder();
  public final LongAdder eventsWritten = new LongAdder();
  public final LongAdder journalFailures = new LongAdder();
  public final LongAdder activeStreams = new LongAdder();
  public final LongAdder sseSubscribers = new LongAdder();
  public final LongAdder sseEventsSent = new LongAdder();
  public final LongAdder indexEntriesWritten = new LongAdder();
  public final LongAdder indexRetries = new LongAdder();

  /** Events per journal write: above 1 when appends to one stream were grouped. */
  public final Histogram batchEvents = new Histogram(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024);

  /** Appends per journal write. */
  public final Histogram batchAppends = new Histogram(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024);

  /** Seconds from an append request's arrival to its answer. */
  public final Histogram appendSeconds =
      new Histogram(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);

  /** The {@code status} label values of {@code annals_cluster_members}, always all rendered. */
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

  private Metrics() {}

  /**
   * The metrics in Prometheus text format; {@code membersByStatus} counts the cluster's members by
   * {@link #MEMBER_STATUSES} label (missing ones are 0), {@code unreachable} those this node's
   * failure detector marks unreachable.
   */
  public String render(Map<String, Long> membersByStatus, long unreachable) {
    StringBuilder out = new StringBuilder(4096);
    counter(out, "annals_appends_total", "Appends answered, by result.", null, 0);
    out.append("annals_appends_total{result=\"written\"} ")
        .append(appendsWritten.sum())
        .append('\n');
    out.append("annals_appends_total{result=\"retry\"} ").append(appendsRetried.sum()).append('\n');
    out.append("annals_appends_total{result=\"conflict\"} ")
        .append(appendsConflicted.sum())
        .append('\n');
    out.append("annals_appends_total{result=\"unavailable\"} ")
        .append(appendsUnavailable.sum())
        .append('\n');
    counter(
        out,
        "annals_events_written_total",
        "Events made durable in the journal.",
        "",
        eventsWritten.sum());
    counter(
        out,
        "annals_journal_failures_total",
        "Journal writes or recoveries that failed.",
        "",
        journalFailures.sum());
    counter(
        out,
        "annals_index_entries_total",
        "Entries written to the global and category logs by log entities on this node.",
        "",
        indexEntriesWritten.sum());
    counter(
        out,
        "annals_index_retries_total",
        "Index requests streams re-sent because a log had not acknowledged them in time.",
        "",
        indexRetries.sum());
    counter(
        out,
        "annals_sse_events_total",
        "Events sent to SSE subscribers of this node.",
        "",
        sseEventsSent.sum());
    histogram(out, "annals_journal_batch_events", "Events per atomic journal write.", batchEvents);
    histogram(
        out, "annals_journal_batch_appends", "Appends per atomic journal write.", batchAppends);
    histogram(
        out,
        "annals_append_latency_seconds",
        "Time from an append request to its answer.",
        appendSeconds);
    gauge(
        out, "annals_active_streams", "Stream entities running on this node.", activeStreams.sum());
    gauge(
        out,
        "annals_sse_subscribers",
        "Open SSE subscriptions on this node.",
        sseSubscribers.sum());
    gaugeHeader(
        out, "annals_cluster_members", "Cluster members as this node sees them, by status.");
    for (String status : MEMBER_STATUSES) {
      out.append("annals_cluster_members{status=\"")
          .append(status)
          .append("\"} ")
          .append(membersByStatus.getOrDefault(status, 0L))
          .append('\n');
    }
    gauge(
        out,
        "annals_cluster_unreachable_members",
        "Cluster members this node's failure detector marks unreachable.",
        unreachable);
    Runtime rt = Runtime.getRuntime();
    gauge(out, "jvm_heap_used_bytes", "Heap in use.", rt.totalMemory() - rt.freeMemory());
    gauge(out, "jvm_heap_max_bytes", "Largest heap the JVM may use.", rt.maxMemory());
    return out.toString();
  }

  private static void counter(
      StringBuilder out, String name, String help, String labels, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n");
    if (labels != null) {
      out.append(name).append(' ').append(value).append('\n');
    }
  }

  private static void gauge(StringBuilder out, String name, String help, long value) {
    gaugeHeader(out, name, help);
    out.append(name).append(' ').append(value).append('\n');
  }

  private static void gaugeHeader(StringBuilder out, String name, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
  }

  private static void histogram(StringBuilder out, String name, String help, Histogram h) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" histogram\n");
    h.render(out, name);
  }
}
