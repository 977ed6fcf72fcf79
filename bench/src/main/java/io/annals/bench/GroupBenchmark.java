package io.annals.bench;

import io.annals.node.dev.DevCassandra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * {@code bench/run groups}: a consumer group of 4 consumers (each acking what it received every 20
 * ms) over a category fed at a steady rate, against a plain {@code /categories} subscription of the
 * same category in the same run: events/s delivered (and acked), append ack → delivery latency, and
 * node CPU per delivered event (the node's CPU over the run, appends included, so the difference
 * between the two rows is what the group costs). Writes its section of docs/benchmarks.md.
 */
public final class GroupBenchmark {
  private static final int RATE = 1000;
  private static final int SECONDS = 20;
  private final Path jar = Path.of("node/target/annals-node.jar").toAbsolutePath();
  private final List<String> rows = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .executor(Executors.newFixedThreadPool(2))
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  void run() throws Exception {
    try (DevCassandra cassandra = WriteBenchmark.cassandra("annals-bench-groups-", "group");
        NodeProcess node =
            NodeProcess.start(jar, cassandra.contactPoint(), "bench_groups", List.of())) {
      Wrk.run(
          node.baseUrl(),
          "jit-warm-up",
          new Wrk.Shape(1, 100, false),
          64,
          WriteBenchmark.JIT_WARM_UP);
      // each case twice; the second is the figure (the first also compiles its path)
      for (int round = 1; round <= 2; round++) {
        measure(node, "plain", round);
        measure(node, "group", round);
      }
    }
    Sections.write(Path.of("docs/benchmarks.md"), "groups", section());
    System.out.println("Wrote the groups section of docs/benchmarks.md");
  }

  private void measure(NodeProcess node, String kind, int round) throws Exception {
    String base = node.baseUrl();
    String category = "g" + kind + round;
    int total = RATE * SECONDS;
    long[] acked = new long[total];
    long[] received = new long[total];
    Map<String, Integer> index = new ConcurrentHashMap<>();
    AtomicLong delivered = new AtomicLong();
    AtomicLong ackedByConsumers = new AtomicLong();
    List<Line> subscribers = new ArrayList<>();
    if (kind.equals("plain")) {
      subscribers.add(
          Line.open(
              http,
              base + "/categories/" + category + "/subscribe",
              (delivery, id) -> {
                mark(index, received, id, delivered);
              }));
    } else {
      put(
          base + "/groups/" + category,
          "{\"source\":{\"category\":\""
              + category
              + "\"},\"start\":\"beginning\",\"maxInFlight\":200}");
      for (int c = 0; c < 4; c++) {
        ConcurrentLinkedQueue<String> toAck = new ConcurrentLinkedQueue<>();
        subscribers.add(
            Line.open(
                http,
                base + "/groups/" + category + "/subscribe",
                (delivery, id) -> {
                  mark(index, received, id, delivered);
                  toAck.add(delivery);
                }));
        Thread acker =
            new Thread(() -> ackLoop(base, category, toAck, ackedByConsumers), "acker-" + c);
        acker.setDaemon(true);
        acker.start();
        subscribers.get(c).acker = acker;
      }
    }
    for (Line s : subscribers) {
      s.started.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    Thread.sleep(1000);
    Duration cpuBefore = node.cpu();
    Duration clientBefore = ProcessHandle.current().info().totalCpuDuration().orElseThrow();
    HttpAppends appends = new HttpAppends(base);
    Semaphore window = new Semaphore(64);
    long start = System.nanoTime();
    List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      long wait = start + (long) (i * (1e9 / RATE)) - System.nanoTime();
      if (wait > 1_000_000) {
        Thread.sleep(wait / 1_000_000);
      }
      window.acquire();
      String id = UUID.randomUUID().toString();
      index.put(id, i);
      int n = i;
      inFlight.add(
          appends
              .append(
                  category + "-" + (i % 100),
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
                      acked[n] = System.nanoTime();
                    }
                    return ok;
                  }));
    }
    inFlight.forEach(CompletableFuture::join);
    double seconds = (System.nanoTime() - start) / 1e9;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (delivered.get() < total && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    double wall = (System.nanoTime() - start) / 1e9;
    Duration cpu = node.cpu().minus(cpuBefore);
    Duration client =
        ProcessHandle.current().info().totalCpuDuration().orElseThrow().minus(clientBefore);
    subscribers.forEach(Line::close);
    Histogram lat = new Histogram(3);
    long missing = 0;
    for (int i = RATE * 3; i < total; i++) {
      if (received[i] == 0 || acked[i] == 0) {
        missing++;
      } else {
        lat.recordValue(Math.max(0, received[i] - acked[i]));
      }
    }
    String what =
        kind.equals("plain")
            ? "plain `/categories` subscription, 1 subscriber"
            : "consumer group, 4 consumers acking every 20 ms (pinned, maxInFlight 200)";
    rows.add(
        String.format(
            "| %s, round %d | %,.0f | %,.0f | %,d | %.1f | %.1f | %d | %.0f | %.0f%% |",
            what,
            round,
            total / seconds,
            delivered.get() / wall,
            kind.equals("plain") ? delivered.get() : ackedByConsumers.get(),
            lat.getValueAtPercentile(50) / 1e6,
            lat.getValueAtPercentile(99) / 1e6,
            missing,
            cpu.toNanos() / 1e3 / Math.max(1, delivered.get()),
            100 * client.toNanos() / 1e9 / wall));
    System.out.println(rows.get(rows.size() - 1));
  }

  private static void mark(
      Map<String, Integer> index, long[] received, String id, AtomicLong delivered) {
    Integer i = index.get(id);
    if (i != null && received[i] == 0) {
      received[i] = System.nanoTime();
      delivered.incrementAndGet();
    }
  }

  private void ackLoop(
      String base, String group, ConcurrentLinkedQueue<String> toAck, AtomicLong acked) {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
      List<String> ids = new ArrayList<>();
      for (String id = toAck.poll(); id != null && ids.size() < 1000; id = toAck.poll()) {
        ids.add(id);
      }
      if (ids.isEmpty()) {
        continue;
      }
      StringBuilder body = new StringBuilder("{\"ids\":[");
      for (int i = 0; i < ids.size(); i++) {
        body.append(i == 0 ? "" : ",").append('"').append(ids.get(i)).append('"');
      }
      try {
        HttpResponse<String> r =
            post(base + "/groups/" + group + "/ack", body.append("]}").toString());
        if (r.statusCode() == 200) {
          acked.addAndGet(ids.size());
        }
      } catch (Exception e) {
        return;
      }
    }
  }

  private HttpResponse<String> post(String url, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void put(String url, String json) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("PUT " + url + ": " + r.statusCode() + " " + r.body());
    }
  }

  private String section() throws Exception {
    StringBuilder b = new StringBuilder();
    b.append("## Consumer groups (`bench/run groups`)\n\n")
        .append(WriteBenchmark.machine())
        .append("\n\nOne node, dev Cassandra (group commit log). ")
        .append(
            String.format(
                "%,d events/s appended for %d s to 100 streams of one category", RATE, SECONDS))
        .append(" (64 appends in flight at most), after ")
        .append(WriteBenchmark.JIT_WARM_UP.toSeconds())
        .append(" s of JIT warm-up; each case twice, the")
        .append(" second round is the figure. Latency: append acknowledged → event received by the")
        .append(" client, over all but the first 3 s. Node CPU per delivered event includes the")
        .append(
            " appends, so the difference between the rows of one round is the group's own cost.")
        .append(" The load generator (this JVM) parses the SSE lines itself.\n\n")
        .append(
            "| case | appended/s | delivered/s | acked (group) / received | p50 ms | p99 ms | missing | node CPU µs per delivery | load generator CPU (of one core) |\n")
        .append("|---|---|---|---|---|---|---|---|---|\n");
    rows.forEach(r -> b.append(r).append('\n'));
    return b.toString();
  }

  /**
   * An SSE reader that hands on each event's delivery id (its {@code id:} line) and event id (the
   * start of its data line).
   */
  private static final class Line implements Flow.Subscriber<String>, AutoCloseable {
    private static final String DATA = "data: {\"id\":\"";
    final CompletableFuture<Void> started = new CompletableFuture<>();
    private final java.util.function.BiConsumer<String, String> onEvent;
    private volatile Flow.Subscription subscription;
    private String delivery;
    Thread acker;

    private Line(java.util.function.BiConsumer<String, String> onEvent) {
      this.onEvent = onEvent;
    }

    static Line open(
        HttpClient http, String url, java.util.function.BiConsumer<String, String> onEvent) {
      Line l = new Line(onEvent);
      http.sendAsync(
              HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").build(),
              HttpResponse.BodyHandlers.fromLineSubscriber(l))
          .exceptionally(
              failure -> {
                l.started.completeExceptionally(failure);
                return null;
              });
      return l;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
      started.complete(null);
    }

    @Override
    public void onNext(String line) {
      if (line.startsWith("id: ")) {
        delivery = line.substring(4);
      } else if (line.startsWith(DATA)) {
        onEvent.accept(delivery, line.substring(DATA.length(), DATA.length() + 36));
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}

    @Override
    public void close() {
      if (acker != null) {
        acker.interrupt();
      }
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }
}
