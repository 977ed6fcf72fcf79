package io.annals.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.annals.node.dev.DevCassandra;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The read-side benchmark of issue 4: append-to-SSE latency with 1, 100 and 500 subscribers of
 * /all; catch-up of 1,000,000 events from /all over SSE against a raw driver read of the same rows;
 * node heap with 500 stalled subscribers while 100,000 events are appended; and the cost of
 * indexing on the 10,000-stream append case. Writes its section of docs/benchmarks.md.
 */
public final class ReadBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path jar = Path.of("node/target/annals-node.jar").toAbsolutePath();
  private final List<String> rows = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .executor(Executors.newFixedThreadPool(2))
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  public static void main(String[] args) throws Exception {
    new ReadBenchmark().run();
    System.exit(0);
  }

  void run() throws Exception {
    try (DevCassandra cassandra = WriteBenchmark.cassandra("annals-bench-reads-", "group")) {
      String cp = cassandra.contactPoint();
      try (NodeProcess node = NodeProcess.start(jar, cp, "bench_reads", List.of())) {
        Wrk.run(
            node.baseUrl(),
            "jit-warm-up",
            new Wrk.Shape(1, 100, false),
            64,
            WriteBenchmark.JIT_WARM_UP);
        for (int subscribers : new int[] {1, 100, 500}) {
          latency(node, subscribers);
        }
        stalled(node);
        catchUp(node, cp);
      }
      indexingCost(cp);
    }
    Sections.write(Path.of("docs/benchmarks.md"), "reads", section(WriteBenchmark.machine()));
    System.out.println("Wrote the reads section of docs/benchmarks.md");
  }

  // ---- append ack -> SSE receipt --------------------------------------------------------------

  private void latency(NodeProcess node, int subscribers) throws Exception {
    String base = node.baseUrl();
    String end = endOfAll(base);
    int rate = 2000;
    int seconds = 10;
    int total = rate * seconds;
    long[] acked = new long[total];
    Map<String, Integer> index = new ConcurrentHashMap<>();
    long[][] received = new long[subscribers][total];
    List<SseSubscriber> subs = new ArrayList<>();
    for (int s = 0; s < subscribers; s++) {
      long[] mine = received[s];
      subs.add(
          SseSubscriber.open(
              http,
              base + "/all/subscribe?after=" + end,
              false,
              (id, nanos) -> {
                Integer i = index.get(id);
                if (i != null) {
                  mine[i] = nanos;
                }
              }));
      if (s % 50 == 49) {
        awaitStarted(subs); // open connections 50 at a time, not 500 at once
      }
    }
    awaitStarted(subs);
    Thread.sleep(2000);
    HttpAppends appends = new HttpAppends(base);
    // at most 64 appends in flight: if the node falls behind the schedule, the rate drops (and
    // the achieved rate is reported) rather than the client opening hundreds of connections
    Semaphore window = new Semaphore(64);
    long start = System.nanoTime();
    List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      long due = start + (long) (i * (1e9 / rate));
      long wait = due - System.nanoTime();
      if (wait > 1_000_000) {
        // sleep only whole milliseconds (a shorter sleep overshoots); catch up in small bursts
        Thread.sleep(wait / 1_000_000);
      }
      window.acquire();
      String id = UUID.randomUUID().toString();
      index.put(id, i);
      int n = i;
      inFlight.add(
          appends
              .append(
                  "latency-" + (i % 100),
                  "[{\"id\":\""
                      + id
                      + "\",\"type\":\"Pinged\",\"data\":"
                      + HttpAppends.PAYLOAD
                      + "}]",
                  1)
              .whenComplete((ok, failed) -> window.release())
              .thenApply(
                  ok -> {
                    if (ok > 0) {
                      acked[n] = System.nanoTime(); // a failed append counts as missing
                    }
                    return ok;
                  }));
    }
    inFlight.forEach(CompletableFuture::join);
    double achieved = total / ((System.nanoTime() - start) / 1e9);
    Thread.sleep(3000);
    subs.forEach(SseSubscriber::close);
    // the first 3 s warm the path up; latencies of the rest, over every subscriber
    int from = rate * 3;
    Histogram lat = new Histogram(3);
    long missing = 0;
    for (long[] mine : received) {
      for (int i = from; i < total; i++) {
        if (mine[i] == 0 || acked[i] == 0) {
          missing++;
        } else {
          lat.recordValue(Math.max(0, mine[i] - acked[i]));
        }
      }
    }
    long n = lat.getTotalCount();
    double p50 = n == 0 ? -1 : lat.getValueAtPercentile(50) / 1e6;
    double p99 = n == 0 ? -1 : lat.getValueAtPercentile(99) / 1e6;
    boolean met =
        missing == 0 && achieved >= 0.95 * rate && p50 <= 10 && (subscribers < 500 || p99 <= 50);
    rows.add(
        String.format(
            "| append ack → SSE receipt, %d subscriber%s of /all, %,d events/s appended (%,.0f/s achieved) | p50 %.1f ms | p99 %.1f ms (%,d deliveries, %,d missing) | p50 ≤ 10 ms, p99 ≤ 50 ms at 500 | %s |",
            subscribers,
            subscribers == 1 ? "" : "s",
            rate,
            achieved,
            p50,
            p99,
            n,
            missing,
            met ? "yes" : "**no**"));
    System.out.println(rows.get(rows.size() - 1));
  }

  private static void awaitStarted(List<SseSubscriber> subs) throws Exception {
    for (SseSubscriber s : subs) {
      s.started.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  // ---- catch-up -------------------------------------------------------------------------------

  private void catchUp(NodeProcess node, String contactPoint) throws Exception {
    String base = node.baseUrl();
    HttpAppends appends = new HttpAppends(base);
    String hundred = HttpAppends.events(100, null);
    Load.run(
        8,
        Duration.ZERO,
        Duration.ofHours(1),
        i -> i < 10_000 ? appends.append("catchup-" + (i % 1000), hundred, 100) : null);
    long total = countAll(base);
    // twice, like every write case, and the second run is the figure: the first also compiles
    // the catch-up path, which the live-latency cases before it barely touch
    double[] sse = {catchUpOnce(base, total), catchUpOnce(base, total)};
    double[] raw = {
      rawRead(contactPoint, "bench_reads", 1000), rawRead(contactPoint, "bench_reads", 1000)
    };
    boolean met = sse[1] >= 100_000 && sse[1] >= 0.5 * raw[1];
    rows.add(
        String.format(
            "| catch-up of /all over SSE, one subscriber (%,d events), run 1 / run 2 | %,.0f / %,.0f events/s | raw driver read of the same 1,000,000 rows, run 1 / run 2: %,.0f / %,.0f rows/s (run 2: %.0f%%) | ≥ 100,000 events/s and ≥ 50%% of raw | %s |",
            total, sse[0], sse[1], raw[0], raw[1], 100 * sse[1] / raw[1], met ? "yes" : "**no**"));
    System.out.println(rows.get(rows.size() - 1));
  }

  /** Events/s of one subscriber reading /all from its start until it has {@code total} events. */
  private double catchUpOnce(String base, long total) throws Exception {
    long start = System.nanoTime();
    AtomicLong seen = new AtomicLong();
    CompletableFuture<Void> all = new CompletableFuture<>();
    try (SseSubscriber s =
        SseSubscriber.open(
            http,
            base + "/all/subscribe",
            false,
            (id, nanos) -> {
              if (seen.incrementAndGet() == total) {
                all.complete(null);
              }
            })) {
      all.get(10, java.util.concurrent.TimeUnit.MINUTES);
    }
    return total / ((System.nanoTime() - start) / 1e9);
  }

  /** Rows/s of the raw driver reading every event row of streams catchup-0..n-1 (8 in flight). */
  private static double rawRead(String contactPoint, String keyspace, int streams)
      throws Exception {
    String[] hp = contactPoint.split(":");
    try (CqlSession session =
        CqlSession.builder()
            .withConfigLoader(DriverConfigLoader.fromClasspath("no-such-file"))
            .addContactPoint(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))
            .withLocalDatacenter("datacenter1")
            .build()) {
      PreparedStatement select =
          session.prepare(
              "SELECT sequence_nr, event FROM "
                  + keyspace
                  + ".messages WHERE persistence_id = ? AND partition_nr = 0");
      AtomicLong rows = new AtomicLong();
      AtomicLong bytes = new AtomicLong();
      long start = System.nanoTime();
      Semaphore inFlight = new Semaphore(8);
      List<CompletableFuture<Void>> reads = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        inFlight.acquire();
        CompletableFuture<Void> read =
            drain(
                    session.executeAsync(select.bind("stream|catchup-" + i).setPageSize(5000)),
                    rows,
                    bytes)
                .toCompletableFuture();
        read.whenComplete((v, t) -> inFlight.release());
        reads.add(read);
      }
      reads.forEach(CompletableFuture::join);
      return rows.get() / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static CompletionStage<Void> drain(
      CompletionStage<AsyncResultSet> page, AtomicLong rows, AtomicLong bytes) {
    return page.thenCompose(
        rs -> {
          for (Row row : rs.currentPage()) {
            rows.incrementAndGet();
            bytes.addAndGet(row.getByteBuffer("event").remaining());
          }
          return rs.hasMorePages()
              ? drain(rs.fetchNextPage(), rows, bytes)
              : CompletableFuture.completedFuture(null);
        });
  }

  // ---- stalled subscribers --------------------------------------------------------------------

  private void stalled(NodeProcess node) throws Exception {
    String base = node.baseUrl();
    String end = endOfAll(base);
    double idle = node.heapAfterGcMiB();
    List<SseSubscriber> subs = new ArrayList<>();
    for (int s = 0; s < 500; s++) {
      subs.add(SseSubscriber.open(http, base + "/all/subscribe?after=" + end, true, null));
      if (s % 50 == 49) {
        awaitStarted(subs);
      }
    }
    awaitStarted(subs);
    double connected = node.heapAfterGcMiB();
    HttpAppends appends = new HttpAppends(base);
    String hundred = HttpAppends.events(100, null);
    Load.run(
        8,
        Duration.ZERO,
        Duration.ofHours(1),
        i -> i < 1000 ? appends.append("stalled-" + (i % 100), hundred, 100) : null);
    double heap = node.heapAfterGcMiB();
    subs.forEach(SseSubscriber::close);
    double grown = heap - idle;
    rows.add(
        String.format(
            "| node heap, 500 stalled /all subscribers while 100,000 events are appended | idle %.0f MiB, with the 500 connected %.0f MiB | after %.0f MiB: +%.0f MiB above idle, +%.0f MiB above connected | ≤ 64 MiB above idle | %s |",
            idle, connected, heap, grown, heap - connected, grown <= 64 ? "yes" : "**no**"));
    System.out.println(rows.get(rows.size() - 1));
  }

  // ---- indexing cost --------------------------------------------------------------------------

  /**
   * The spread case on two nodes, indexing on and off, each with every stream touched first and a
   * JIT warm-up, then three windows: this machine's noise is larger than one window shows.
   */
  private void indexingCost(String contactPoint) throws Exception {
    double[][] windows = new double[2][3];
    String[][] flags = {{}, {"-Dannals.log.partitions=0"}};
    String[] keyspaces = {"bench_index_on", "bench_index_off"};
    Wrk.Shape spread = new Wrk.Shape(1, 10_000, false);
    for (int i = 0; i < 2; i++) {
      try (NodeProcess node =
          NodeProcess.start(jar, contactPoint, keyspaces[i], List.of(flags[i]))) {
        WriteBenchmark.touchStreams(node.baseUrl(), "many", 10_000);
        Wrk.run(node.baseUrl(), "many", spread, 256, Duration.ofSeconds(45));
        for (int w = 0; w < 3; w++) {
          windows[i][w] =
              Wrk.run(node.baseUrl(), "many", spread, 256, Duration.ofSeconds(15))
                  .eventsPerSecond();
        }
      }
    }
    double on = median(windows[0]);
    double off = median(windows[1]);
    double fewer = 1 - on / off;
    rows.add(
        String.format(
            "| 10,000 streams (each touched first), 1 event/request, 256 in flight: indexing on vs off, median of three 15 s windows | on %,.0f events/s (%s) | off %,.0f events/s (%s): %s | ≤ 25%% fewer | %s |",
            on,
            windowList(windows[0]),
            off,
            windowList(windows[1]),
            fewer >= 0
                ? String.format("%.0f%% fewer with indexing", 100 * fewer)
                : String.format("%.0f%% more with indexing", -100 * fewer),
            fewer <= 0.25 ? "yes" : "**no**"));
    System.out.println(rows.get(rows.size() - 1));
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static String windowList(double[] values) {
    StringBuilder b = new StringBuilder();
    for (double v : values) {
      b.append(b.length() > 0 ? " / " : "").append(String.format("%,.0f", v));
    }
    return b.toString();
  }

  // ---- helpers --------------------------------------------------------------------------------

  private String endOfAll(String base) throws Exception {
    String after = null;
    while (true) {
      JsonNode page = get(base + "/all?limit=1000" + (after == null ? "" : "&after=" + after));
      if (page.path("events").isEmpty()) {
        return page.path("next").asText();
      }
      after = page.path("next").asText();
    }
  }

  private long countAll(String base) throws Exception {
    long n = 0;
    String after = null;
    while (true) {
      JsonNode page = get(base + "/all?limit=1000" + (after == null ? "" : "&after=" + after));
      if (page.path("events").isEmpty()) {
        return n;
      }
      n += page.path("events").size();
      after = page.path("next").asText();
    }
  }

  private JsonNode get(String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(1)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private String section(String machine) {
    StringBuilder b = new StringBuilder();
    b.append("## Reads: global log and SSE subscriptions\n\n");
    b.append("Written by `bench/run reads` on ")
        .append(java.time.LocalDate.now())
        .append(". Machine: ")
        .append(machine)
        .append(". Cassandra commit log in group mode. Subscribers are SSE connections from the")
        .append(
            " benchmark process (Java HTTP client), appends come over HTTP; the node is its own")
        .append(" JVM (1 GiB heap). Latency is from the append's 201 arriving at the client to the")
        .append(" event's SSE message arriving at each subscriber, over every subscriber and every")
        .append(" event after a 3 s warm-up.\n\n");
    b.append("| case | figure 1 | figure 2 | target | met |\n|---|---|---|---|---|\n");
    rows.forEach(r -> b.append(r).append('\n'));
    return b.toString();
  }
}
