package io.annals.bench;

import io.annals.node.dev.DevCassandra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;

/**
 * The write benchmark of issues 3 and 5. For each commit-log mode it forks a fresh Cassandra and a
 * node process, drives the node over HTTP and, in group mode, the raw driver on the same table,
 * then measures CPU per event, heap after 100,000 passivated streams, recovery with and without
 * snapshots and keyed appends; it writes docs/benchmarks.md and docs/benchmarks-throughput.png.
 */
public final class WriteBenchmark {
  private static final Duration WARM_UP = Duration.ofSeconds(4);
  private static final Duration WINDOW = Duration.ofSeconds(8);

  /**
   * Load after each node start before anything is measured: on 2 cores the node's (and Cassandra's)
   * C2 compiler is still busy after 20 s; one stream at 64 in flight still gained ~35% between 50 s
   * and 90 s of load, and little after that.
   */
  static final Duration JIT_WARM_UP = Duration.ofSeconds(90);

  private final Path jar = Path.of("node/target/annals-node.jar").toAbsolutePath();
  private final Report report = new Report();

  void run() throws Exception {
    for (String mode : List.of("group", "group:1ms", "batch", "periodic")) {
      try (DevCassandra cassandra = cassandra("annals-bench-", mode)) {
        if (mode.equals("group") || mode.equals("periodic")) {
          onCassandra(cassandra.contactPoint(), mode);
        } else {
          commitLogStudy(cassandra.contactPoint(), mode);
        }
      }
    }
    report.write(
        Path.of("docs/benchmarks.md"),
        Path.of("docs/benchmarks-throughput.png"),
        machine(),
        "bench/run writes");
    System.out.println("Wrote the writes section of docs/benchmarks.md");
  }

  /**
   * A fresh Cassandra (1 GiB heap, any free port) in a new temporary directory, with the commit-log
   * mode {@code commitLogSync} (DevCassandra.Options).
   */
  static DevCassandra cassandra(String dirPrefix, String commitLogSync) throws Exception {
    return DevCassandra.start(
        new DevCassandra.Options(
            Files.createTempDirectory(dirPrefix),
            DevCassandra.locateLib("embedded-cassandra/target/lib"),
            0,
            "1g",
            commitLogSync,
            Duration.ofMinutes(3)));
  }

  /** What the figures were measured on. */
  static String machine() throws java.io.IOException {
    return Runtime.getRuntime().availableProcessors()
        + " cores, "
        + Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ")
        + ", "
        + Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(l -> l.startsWith("model name"))
            .findFirst()
            .orElse("cpu ?")
            .replaceAll(".*: ", "")
        + ", Java "
        + System.getProperty("java.version")
        + ", Cassandra 5.0.6 with 1 GiB heap, node with 1 GiB heap, all on one machine over"
        + " loopback";
  }

  /**
   * The commit-log modes other than dev mode's default, for sequential latency: one stream,
   * sequential and 64 in flight, over HTTP and from the strict writer, on a Cassandra of that mode.
   */
  private void commitLogStudy(String contactPoint, String mode) throws Exception {
    try (NodeProcess node = NodeProcess.start(jar, contactPoint, "bench_annals", List.of())) {
      Wrk.run(node.baseUrl(), "jit-warm-up", new Wrk.Shape(1, 100, false), 64, JIT_WARM_UP);
      double strictSequential;
      double strict64;
      // the node created the journal table, whose shape the strict writer copies
      try (RawDriverLoad raw = new RawDriverLoad(contactPoint, "bench_annals")) {
        StrictWriter w = raw.strict();
        strictSequential = twice(1, i -> w.append("strict-sequential", 1))[1].eventsPerSecond();
        strict64 = twice(64, i -> w.append("strict-one", 1))[1].eventsPerSecond();
      }
      Result[] a = wrkTwice(node.baseUrl(), "one-a", new Wrk.Shape(1, 1, false), 1);
      report.throughput(
          "one stream, 1 event/request, sequential",
          mode,
          a[0],
          a[1],
          strictSequential,
          "report",
          null);
      Result[] b = wrkTwice(node.baseUrl(), "one-b", new Wrk.Shape(1, 1, false), 64);
      report.throughput(
          "one stream, 1 event/request, 64 in flight", mode, b[0], b[1], strict64, "report", null);
    }
  }

  private void onCassandra(String contactPoint, String mode) throws Exception {
    double rawSingle = 0;
    Strict strict = null;
    boolean group = mode.equals("group");
    try (NodeProcess node = NodeProcess.start(jar, contactPoint, "bench_annals", List.of())) {
      // let the JIT compile the node's hot paths before anything is measured
      Wrk.run(node.baseUrl(), "jit-warm-up", new Wrk.Shape(1, 100, false), 64, JIT_WARM_UP);
      if (group) {
        try (RawDriverLoad raw = new RawDriverLoad(contactPoint, "bench_annals")) {
          rawSingle = twice(1, i -> raw.single(0))[1].eventsPerSecond();
          strict = Strict.measure(raw.strict());
          report.rawOneAtATime(rawSingle);
        }
      }
      String base = node.baseUrl();
      Result[] a = wrkTwice(base, "one-a-" + mode, new Wrk.Shape(1, 1, false), 1);
      report.throughput(
          "one stream, 1 event/request, sequential",
          mode,
          a[0],
          a[1],
          group ? strict.sequential() : null,
          "report",
          null);
      Result[] b = wrkTwice(base, "one-b-" + mode, new Wrk.Shape(1, 1, false), 64);
      report.throughput(
          "one stream, 1 event/request, 64 in flight",
          mode,
          b[0],
          b[1],
          group ? strict.oneStream64() : null,
          "≥ 0.8× strict writer, p99 ≤ 25 ms",
          group
              ? b[1].eventsPerSecond() >= 0.8 * strict.oneStream64() && b[1].p99Millis() <= 25
              : null);
      if (group) {
        StreamingAppends.run(base, "one-s", 64, WARM_UP, WINDOW);
        Result[] s =
            new Result[] {
              StreamingAppends.run(base, "one-s", 64, Duration.ZERO, WINDOW),
              StreamingAppends.run(base, "one-s", 64, Duration.ZERO, WINDOW)
            };
        report.throughput(
            "one stream, 1 event per line over one streaming request (append-stream), 64 in flight",
            mode,
            s[0],
            s[1],
            strict.oneStream64(),
            "≥ 0.9× strict writer at 64 in flight",
            s[1].eventsPerSecond() >= 0.9 * strict.oneStream64());
      }
      Result[] c = wrkTwice(base, "one-c-" + mode, new Wrk.Shape(100, 1, false), 8);
      report.throughput(
          "one stream, 100 events/request, 8 in flight",
          mode,
          c[0],
          c[1],
          group ? strict.batch100x8() : null,
          "≥ 0.8× strict writer",
          group ? c[1].eventsPerSecond() >= 0.8 * strict.batch100x8() : null);
      if (group) {
        groupOnly(node, strict);
      }
    }
    if (group) {
      recoveryAndHeap(contactPoint);
    }
  }

  private void groupOnly(NodeProcess node, Strict strict) throws Exception {
    String base = node.baseUrl();
    for (int inFlight : new int[] {1, 4, 16, 64, 256}) {
      Wrk.run(base, "sweep-" + inFlight, new Wrk.Shape(1, 1, false), inFlight, WARM_UP);
      report.sweepPoint(
          inFlight,
          Wrk.run(base, "sweep-" + inFlight, new Wrk.Shape(1, 1, false), inFlight, WINDOW)
              .eventsPerSecond());
    }
    Result[] d = new Result[2];
    double[] cpuMicros = new double[2];
    Wrk.Shape spread = new Wrk.Shape(1, 10_000, false);
    firstTouch(base, strict.newStreams256());
    Wrk.run(base, "many", spread, 256, WARM_UP);
    for (int run = 0; run < 2; run++) {
      Duration before = node.cpu();
      d[run] = Wrk.run(base, "many", spread, 256, WINDOW);
      double cpu = node.cpu().minus(before).toNanos() / 1e3;
      cpuMicros[run] = cpu / (d[run].eventsPerSecond() * WINDOW.toSeconds());
    }
    report.throughput(
        "10,000 streams, 1 event/request, 256 in flight",
        "group",
        d[0],
        d[1],
        strict.streams256(),
        "≥ 0.6× strict writer",
        d[1].eventsPerSecond() >= 0.6 * strict.streams256());
    report.figure(
        "node CPU per event (10,000-stream case), µs",
        "group",
        Report.n(cpuMicros[0]),
        Report.n(cpuMicros[1]),
        "≤ 100 µs",
        cpuMicros[1] <= 100);
    Result[] keyed = wrkTwice(base, "keyed", new Wrk.Shape(1, 1, true), 64);
    Result[] unkeyed = wrkTwice(base, "unkeyed", new Wrk.Shape(1, 1, false), 64);
    report.throughput(
        "keyed events, 50% duplicates, 64 in flight",
        "group", keyed[0], keyed[1], null, "report (vs unkeyed below)", null);
    report.throughput(
        "unkeyed events, 64 in flight (same run)",
        "group",
        unkeyed[0],
        unkeyed[1],
        null,
        "report",
        null);
    report.note(
        "Keyed case: request i carries key k(i/2) with identical data, so about every second event is de-duplicated (answered 200, not written); events/s counts every answered event.");
    report.note(
        "HTTP load comes from wrk (one request in flight per connection, no pipelining); the raw-driver load from the Java driver's async API in the benchmark process. Cassandra, the node and the load share the machine's 2 cores.");
  }

  /**
   * One append to each of the 10,000 streams of the spread case before it is measured, so that case
   * measures streams in use (as the raw driver's inserts are) rather than entity starts; the first
   * touch is reported on its own: each append starts a stream entity, which recovers from the
   * journal (snapshot, highest version, events: four reads) before it writes.
   */
  /** Appends one event to each of {@code prefix}-1..{@code streams}, 256 in flight. */
  static Result touchStreams(String base, String prefix, int streams) throws Exception {
    HttpAppends http = new HttpAppends(base);
    String one = HttpAppends.events(1, null);
    return Load.run(
        256,
        Duration.ZERO,
        Duration.ofHours(1),
        i -> i < streams ? http.append(prefix + "-" + (i + 1), one, 1) : null);
  }

  private void firstTouch(String base, double strictNewStreams) throws Exception {
    int streams = 10_000;
    long start = System.nanoTime();
    Result r = touchStreams(base, "many", streams);
    double seconds = (System.nanoTime() - start) / 1e9;
    double perSecond = (streams - r.failures()) / seconds;
    report.figure(
        "10,000 new streams (each request a stream's first append: entity start, recovery, seal),"
            + " 256 in flight, events/s; strict writer "
            + Report.n(strictNewStreams)
            + " (ratio "
            + String.format("%.2f", perSecond / strictNewStreams)
            + ")",
        "group",
        Report.n(perSecond),
        r.failures() + " failed",
        "≥ 0.5× strict writer",
        perSecond >= 0.5 * strictNewStreams);
  }

  private void recoveryAndHeap(String contactPoint) throws Exception {
    String big = "recover-50k-keys";
    try (NodeProcess node = NodeProcess.start(jar, contactPoint, "bench_annals", List.of())) {
      HttpAppends http = new HttpAppends(node.baseUrl());
      for (int batch = 0; batch < 200; batch++) {
        StringBuilder events = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
          int n = batch * 1000 + i;
          events
              .append(i > 0 ? "," : "")
              .append("{\"type\":\"Set\",\"key\":\"key-")
              .append(n % 50_000)
              .append("\",\"data\":{\"n\":")
              .append(n)
              .append("}}");
        }
        if (http.append(big, events + "]", 1000).join() != 1000) {
          throw new IllegalStateException("writing the recovery stream failed");
        }
      }
    }
    long[] millis = new long[2];
    String[] flags = {"-Dannals.stream.snapshot-every=10000", "-Dannals.stream.snapshot-every=0"};
    for (int i = 0; i < 2; i++) {
      try (NodeProcess node =
          NodeProcess.start(jar, contactPoint, "bench_annals", List.of(flags[i]))) {
        millis[i] = new HttpAppends(node.baseUrl()).timeFirstRead(big, 200_000);
      }
    }
    report.figure(
        "recovery of 200,000 events / 50,000 keys, ms (first read after start)",
        "group",
        millis[0] + " (snapshots on)",
        millis[1] + " (snapshots off)",
        "report",
        null);

    String idle = "-Dpekko.cluster.sharding.passivation.default-strategy.idle-entity.timeout=5s";
    try (NodeProcess node = NodeProcess.start(jar, contactPoint, "bench_annals", List.of(idle))) {
      HttpAppends http = new HttpAppends(node.baseUrl());
      double idleHeap = node.heapAfterGcMiB();
      String one = HttpAppends.events(1, null);
      Load.run(
          256,
          Duration.ZERO,
          Duration.ofHours(1),
          i -> i < 100_000 ? http.append("touched-" + i, one, 1) : null);
      Thread.sleep(20_000);
      double heap = node.heapAfterGcMiB();
      report.figure(
          "heap after 100,000 streams touched and passivated, MiB (idle: "
              + Report.n(idleHeap)
              + ")",
          "group",
          Report.n(heap),
          "",
          "≤ 512 MiB",
          heap <= 512);
    }
  }

  /** Warm-up, then two measured windows, with wrk. */
  private static Result[] wrkTwice(String base, String stream, Wrk.Shape shape, int inFlight)
      throws Exception {
    Wrk.run(base, stream, shape, inFlight, WARM_UP);
    return new Result[] {
      Wrk.run(base, stream, shape, inFlight, WINDOW), Wrk.run(base, stream, shape, inFlight, WINDOW)
    };
  }

  /**
   * The strict writer's figure for each case, measured before the HTTP load in the same sitting
   * (second of two runs, each after a warm-up, like every figure).
   */
  record Strict(
      double sequential,
      double oneStream64,
      double batch100x8,
      double streams256,
      double newStreams256) {
    static Strict measure(StrictWriter w) throws InterruptedException {
      java.util.concurrent.atomic.AtomicLong fresh = new java.util.concurrent.atomic.AtomicLong();
      return new Strict(
          twice(1, i -> w.append("strict-sequential", 1))[1].eventsPerSecond(),
          twice(64, i -> w.append("strict-one", 1))[1].eventsPerSecond(),
          twice(8, i -> w.append("strict-batch", 100))[1].eventsPerSecond(),
          twice(256, i -> w.append("strict-" + ThreadLocalRandom.current().nextInt(10_000), 1))[1]
              .eventsPerSecond(),
          twice(256, i -> w.append("strict-new-" + fresh.incrementAndGet(), 1))[1]
              .eventsPerSecond());
    }
  }

  private static Result[] twice(int inFlight, IntFunction<CompletableFuture<Integer>> request)
      throws InterruptedException {
    return new Result[] {
      Load.run(inFlight, WARM_UP, WINDOW, request), Load.run(inFlight, WARM_UP, WINDOW, request)
    };
  }
}
