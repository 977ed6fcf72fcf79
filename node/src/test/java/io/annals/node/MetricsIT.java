package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.annals.node.metrics.Metrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.DoublePredicate;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} scraped and parsed as Prometheus text format 0.0.4: every required family
 * with its {@code # HELP} and {@code # TYPE}, counters and histograms moving with appends,
 * histograms cumulative with {@code _count} equal to the +Inf bucket, the SSE subscriber gauge
 * following a subscription, the cluster membership by status, the JVM and dispatcher families,
 * OpenMetrics when asked for, and every metric the Grafana dashboard in k8s/ queries.
 */
class MetricsIT extends OneNodeIT {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final Map<String, String> REQUIRED =
      Map.ofEntries(
          Map.entry("annals_appends_total", "counter"),
          Map.entry("annals_append_latency_seconds", "histogram"),
          Map.entry("annals_events_written_total", "counter"),
          Map.entry("annals_journal_batch_events", "histogram"),
          Map.entry("annals_journal_batch_appends", "histogram"),
          Map.entry("annals_journal_failures_total", "counter"),
          Map.entry("annals_active_streams", "gauge"),
          Map.entry("annals_sse_subscribers", "gauge"),
          Map.entry("annals_cluster_members", "gauge"),
          Map.entry("annals_cluster_unreachable_members", "gauge"));

  /** JVM, process and dispatcher families (Micrometer's binders), and the two heap gauges. */
  private static final Map<String, String> RUNTIME =
      Map.ofEntries(
          Map.entry("jvm_heap_used_bytes", "gauge"),
          Map.entry("jvm_heap_max_bytes", "gauge"),
          Map.entry("jvm_memory_used_bytes", "gauge"),
          Map.entry("jvm_gc_memory_allocated_bytes_total", "counter"),
          Map.entry("jvm_threads_live_threads", "gauge"),
          Map.entry("jvm_threads_states_threads", "gauge"),
          Map.entry("jvm_classes_loaded_classes", "gauge"),
          Map.entry("process_cpu_usage", "gauge"),
          Map.entry("process_uptime_seconds", "gauge"),
          Map.entry("system_cpu_count", "gauge"),
          Map.entry("pekko_dispatcher_actors", "gauge"),
          Map.entry("executor_pool_size_threads", "gauge"),
          Map.entry("executor_queued", "gauge"));

  private static final List<String> HISTOGRAMS =
      List.of(
          "annals_append_latency_seconds",
          "annals_journal_batch_events",
          "annals_journal_batch_appends");

  @Override
  protected String keyspace() {
    return "metrics_it";
  }

  @Override
  protected String nodeOverrides() {
    // a closed subscription is noticed at the next heartbeat written to it
    return "annals.subscriptions.heartbeat = 1s";
  }

  /** One scrape: the TYPE of each family and the value of each series ("name{labels}"). */
  record Scrape(Map<String, String> types, Map<String, Double> series) {
    double value(String name) {
      Double v = series.get(name);
      assertNotNull(v, () -> name + " missing in " + series.keySet());
      return v;
    }
  }

  @Test
  void exposesEveryRequiredFamilyWithHelpAndType() {
    Scrape scrape = scrape();
    REQUIRED.forEach(
        (family, type) -> assertEquals(type, scrape.types().get(family), family + "'s TYPE"));
    HISTOGRAMS.forEach(h -> assertCumulative(scrape, h));
  }

  @Test
  void exposesJvmProcessAndDispatcherFamilies() {
    Scrape scrape = scrape();
    RUNTIME.forEach(
        (family, type) -> assertEquals(type, scrape.types().get(family), family + "'s TYPE"));
    for (String dispatcher : List.of("default-dispatcher", "internal-dispatcher")) {
      String tag = "{dispatcher=\"pekko.actor." + dispatcher + "\"}";
      assertTrue(scrape.value("pekko_dispatcher_actors" + tag) >= 1, dispatcher + " has actors");
      scrape.value("executor_pool_size_threads{name=\"pekko.actor." + dispatcher + "\"}");
    }
  }

  @Test
  void answersOpenMetricsWhenAsked() {
    HttpResponse<String> r = get("application/openmetrics-text; version=1.0.0");
    assertEquals(200, r.statusCode());
    String contentType = r.headers().firstValue("Content-Type").orElse("");
    assertTrue(contentType.startsWith("application/openmetrics-text; version=1.0.0"), contentType);
    assertTrue(r.body().contains("\n# TYPE annals_appends counter\n"), "a counter's family name");
    assertTrue(r.body().endsWith("# EOF\n"), "ends with # EOF");
  }

  @Test
  void exportsEveryMetricTheDashboardQueries() throws Exception {
    String stream = "metrics-" + UUID.randomUUID();
    try (SseClient sse = new SseClient(baseUrl() + "/streams/" + stream + "/subscribe")) {
      assertEquals(200, sse.status());
      assertEquals(201, http.post("/streams/" + stream, "[" + event("A", "1") + "]").status());
      if (node != null) {
        System.gc(); // jvm_gc_pause_seconds has samples from the JVM's first collection on
      }
      Set<String> queried = DashboardQueries.metricNames(DashboardQueries.ANNALS);
      assertTrue(queried.size() >= 20, () -> "the dashboard's metrics: " + queried);
      // the GC's notification reaches the registry a moment after the collection
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      Scrape scrape = scrape();
      while (!missing(queried, scrape).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(200);
        scrape = scrape();
      }
      Set<String> missing = missing(queried, scrape);
      assertTrue(missing.isEmpty(), () -> "the dashboard queries " + missing + ", not exported");
      for (String name : queried) {
        String type = scrape.types().get(family(name, scrape.types()));
        if (name.endsWith("_bucket")) {
          assertEquals("histogram", type, name + " is a histogram's bucket");
        } else if (name.endsWith("_sum") || name.endsWith("_count")) {
          assertTrue(Set.of("histogram", "summary").contains(type), name + " is a " + type);
        }
      }
    }
  }

  @Test
  void countsAnAppendInTheAppendCounterAndTheHistograms() {
    Scrape before = scrape();
    String stream = "metrics-" + UUID.randomUUID();
    String two = "[" + event("A", "1") + "," + event("B", "2") + "]";
    assertEquals(201, http.post("/streams/" + stream, two).status());
    String conflicting = "{\"expectedVersion\":0,\"events\":[" + event("C", "3") + "]}";
    assertEquals(409, http.post("/streams/" + stream, conflicting).status());
    Scrape after = scrape();

    assertIncreased(before, after, "annals_appends_total{result=\"written\"}", 1);
    assertIncreased(before, after, "annals_appends_total{result=\"conflict\"}", 1);
    assertIncreased(before, after, "annals_events_written_total", 2);
    assertIncreased(before, after, "annals_append_latency_seconds_count", 2);
    assertIncreased(before, after, "annals_journal_batch_events_count", 1);
    assertIncreased(before, after, "annals_journal_batch_events_sum", 2);
    assertIncreased(before, after, "annals_journal_batch_appends_count", 1);
    assertTrue(after.value("annals_active_streams") >= 1, "the stream's entity runs here");
    HISTOGRAMS.forEach(h -> assertCumulative(after, h));
  }

  @Test
  void countsSseSubscribersWhileSubscribed() throws Exception {
    double before = scrape().value("annals_sse_subscribers");
    String stream = "metrics-" + UUID.randomUUID();
    try (SseClient sse = new SseClient(baseUrl() + "/streams/" + stream + "/subscribe")) {
      assertEquals(200, sse.status());
      assertEquals("1000", sse.take(Duration.ofSeconds(30)).retry(), "the subscription runs");
      double during = scrape().value("annals_sse_subscribers");
      assertTrue(during >= 1 && during >= before + 1, () -> before + " then " + during);
    }
    awaitValue("annals_sse_subscribers", v -> v <= before, Duration.ofSeconds(30));
  }

  @Test
  void countsClusterMembersByStatus() {
    Scrape scrape = scrape();
    for (String status : Metrics.MEMBER_STATUSES) {
      scrape.value("annals_cluster_members{status=\"" + status + "\"}");
    }
    assertTrue(scrape.value("annals_cluster_members{status=\"up\"}") >= 1, "this node is Up");
    if (node != null) {
      assertEquals(1, scrape.value("annals_cluster_members{status=\"up\"}"), "one node");
      assertEquals(0, scrape.value("annals_cluster_unreachable_members"));
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** The names of {@code queried} that no series of the scrape has. */
  private static Set<String> missing(Set<String> queried, Scrape scrape) {
    Set<String> missing = new TreeSet<>(queried);
    scrape.series().keySet().forEach(s -> missing.remove(s.replaceFirst("\\{.*", "")));
    return missing;
  }

  private static void assertIncreased(Scrape before, Scrape after, String series, double by) {
    double delta = after.value(series) - before.value(series);
    assertTrue(delta >= by, () -> series + " rose by " + delta + ", expected at least " + by);
  }

  /** Buckets in ascending {@code le}, never decreasing, the last +Inf, equal to _count. */
  private static void assertCumulative(Scrape scrape, String histogram) {
    List<Map.Entry<String, Double>> buckets = new ArrayList<>();
    scrape.series().entrySet().stream()
        .filter(e -> e.getKey().startsWith(histogram + "_bucket{le=\""))
        .forEach(buckets::add);
    assertTrue(buckets.size() >= 2, () -> histogram + " has buckets");
    double previousBound = Double.NEGATIVE_INFINITY;
    double previousCount = 0;
    for (Map.Entry<String, Double> b : buckets) {
      String le = b.getKey().substring(b.getKey().indexOf("le=\"") + 4, b.getKey().length() - 2);
      double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
      assertTrue(bound > previousBound, () -> histogram + ": bounds ascend at le=" + le);
      assertTrue(b.getValue() >= previousCount, () -> histogram + ": cumulative at le=" + le);
      previousBound = bound;
      previousCount = b.getValue();
    }
    assertEquals(Double.POSITIVE_INFINITY, previousBound, histogram + " ends with le=\"+Inf\"");
    assertEquals(previousCount, scrape.value(histogram + "_count"), histogram + "_count");
    scrape.value(histogram + "_sum");
  }

  private void awaitValue(String series, DoublePredicate ok, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    double value = scrape().value(series);
    while (!ok.test(value) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      value = scrape().value(series);
    }
    double last = value;
    assertTrue(ok.test(last), () -> series + " is still " + last + " after " + timeout);
  }

  /**
   * Scrapes and parses; every sample must follow its family's {@code # HELP} and {@code # TYPE} (a
   * histogram's samples are its {@code _bucket}, {@code _sum} and {@code _count}, a summary's its
   * {@code _sum} and {@code _count}).
   */
  private Scrape scrape() {
    HttpResponse<String> r = get(null);
    assertEquals(200, r.statusCode());
    String contentType = r.headers().firstValue("Content-Type").orElse("");
    assertTrue(contentType.startsWith("text/plain; version=0.0.4"), contentType);
    Map<String, String> help = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, Double> series = new LinkedHashMap<>();
    for (String line : r.body().lines().toList()) {
      if (line.startsWith("# HELP ")) {
        String[] parts = line.split(" ", 4);
        help.put(parts[2], parts.length > 3 ? parts[3] : "");
      } else if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ");
        assertTrue(help.containsKey(parts[2]), () -> parts[2] + ": # HELP before # TYPE");
        types.put(parts[2], parts[3]);
      } else if (!line.isBlank()) {
        int space = line.lastIndexOf(' ');
        String name = line.substring(0, space);
        String family = family(name, types);
        assertTrue(types.containsKey(family), () -> "a sample before its # TYPE: " + line);
        series.put(name, number(line.substring(space + 1)));
      }
    }
    return new Scrape(types, series);
  }

  /** {@code GET /metrics}, with this Accept header unless null. */
  private HttpResponse<String> get(String accept) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + "/metrics"));
    if (accept != null) {
      request.header("Accept", accept);
    }
    try {
      return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static double number(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  /** A histogram's or summary's family for its _bucket, _sum and _count samples. */
  private static String family(String series, Map<String, String> types) {
    String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      String base = name.substring(0, Math.max(0, name.length() - suffix.length()));
      String type = types.get(base);
      if (name.endsWith(suffix)
          && ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket")))) {
        return base;
      }
    }
    return name;
  }
}
