package io.annals.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.annals.node.dev.DevCassandra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code bench/run cost [label]}: where one single-event append goes, for streams in use and for
 * new streams (issue 19's cost model). For each case it measures, over one window of HTTP load from
 * wrk: the node's CPU per append split by thread kind (application, GC, JIT, profiler) and the
 * application's part by stage (JFR execution samples, attributed to the innermost frame of a known
 * component), Cassandra's CPU per append, and Cassandra's statements per append by table (its
 * {@code system_views.local_*_latency} counters) — next to the strict writer's figures for the same
 * case. Writes section {@code cost-<label>} of docs/benchmarks.md.
 */
final class CostModel {
  private static final Duration WINDOW = Duration.ofSeconds(20);
  private static final int IN_FLIGHT = 256;
  private final Path jar = Path.of("node/target/annals-node.jar").toAbsolutePath();

  /** Stages, in the order a frame is matched: the innermost frame of a listed package wins. */
  private static final String[][] STAGES = {
    {"io.annals.node.http", "Annals routes: parse, validate, answer"},
    {"io.annals.node.stream", "stream entity: queue, decide, state"},
    {"io.annals.node.log", "indexing: outbox, log entities, tails"},
    {"io.annals.node", "Annals other: journal fence, write fence, metrics"},
    {"com.fasterxml.jackson", "JSON (Jackson)"},
    {"org.apache.pekko.persistence.cassandra", "persistence plugin (pekko-persistence-cassandra)"},
    {"com.datastax", "Cassandra driver (statements, codecs)"},
    {"org.apache.pekko.persistence", "Pekko Persistence (event sourcing)"},
    {"org.apache.pekko.cluster.sharding", "cluster sharding"},
    {"org.apache.pekko.http", "HTTP server (Pekko HTTP)"},
    {"org.apache.pekko.stream", "Pekko Streams (HTTP pipeline)"},
    {"org.apache.pekko.io", "TCP (Pekko IO)"},
    {"org.apache.pekko", "actor runtime: mailboxes, dispatch, asks"},
    {"io.netty", "driver network I/O (Netty)"},
    {"ch.qos.logback", "logging"},
    {"io.micrometer", "metrics (Micrometer)"},
  };

  private record Case(String name, String prefix, Wrk.Shape shape) {}

  /** Counters read before and after a window. */
  private record Sample(
      Map<String, Long> threadTicks,
      long cassandraNanos,
      Map<String, Long> statements,
      Map<String, Long> tasks) {}

  private final String label;
  private final StringBuilder md = new StringBuilder();

  CostModel(String label) {
    this.label = label;
  }

  void run() throws Exception {
    try (DevCassandra cassandra = WriteBenchmark.cassandra("annals-cost-", "group")) {
      String contactPoint = cassandra.contactPoint();
      // JFR records from the node's start: starting a recording later instruments JDK classes
      // (sockets, files), which deoptimises their callers and keeps the JIT busy for minutes
      List<String> flags =
          List.of(
              "-XX:+UnlockDiagnosticVMOptions",
              "-XX:+DebugNonSafepoints",
              "-XX:StartFlightRecording=name=cost,settings=profile,maxage=5m");
      try (NodeProcess node = NodeProcess.start(jar, contactPoint, "bench_annals", flags);
          RawDriverLoad raw = new RawDriverLoad(contactPoint, "bench_annals")) {
        String base = node.baseUrl();
        WriteBenchmark.touchStreams(base, "many", 10_000);
        // warm the JIT on both shapes measured below
        Wrk.run(base, "warm", new Wrk.Shape(1, 0, false), IN_FLIGHT, Duration.ofSeconds(30));
        Wrk.run(
            base,
            "many",
            new Wrk.Shape(1, 10_000, false),
            IN_FLIGHT,
            WriteBenchmark.JIT_WARM_UP.minusSeconds(30));
        List<Case> cases =
            List.of(
                new Case("10,000 streams in use", "many", new Wrk.Shape(1, 10_000, false)),
                new Case("new streams (first append each)", "new", new Wrk.Shape(1, 0, false)));
        md.append("Written by `bench/run cost ")
            .append(label)
            .append("` on ")
            .append(LocalDate.now())
            .append(". Machine: ")
            .append(WriteBenchmark.machine())
            .append(
                ". Cassandra commit log in group mode (2 ms). Each case: wrk, 1 event per request, ")
            .append(IN_FLIGHT)
            .append(" requests in flight, one ")
            .append(WINDOW.toSeconds())
            .append(
                " s window after the node's JIT warm-up (30 s of new streams, 60 s over 10,000"
                    + " streams), with JFR (profile settings, recording since the node's start) sampling the window. The strict"
                    + " writer ran the same two shapes right after, in the same sitting, on the"
                    + " same Cassandra.\n\n");
        for (Case c : cases) {
          measure(node, cassandra, raw.session(), base, c);
        }
        strict(cassandra, raw);
      }
    }
    Sections.write(Path.of("docs/benchmarks.md"), "cost-" + label, md.toString());
    System.out.println("Wrote section cost-" + label + " of docs/benchmarks.md");
  }

  private void measure(
      NodeProcess node, DevCassandra cassandra, CqlSession session, String base, Case c)
      throws Exception {
    Path jfr = Files.createTempFile("annals-cost-", ".jfr");
    Sample before = sample(node.pid(), cassandra.pid(), session);
    Instant start = Instant.now();
    Result r = Wrk.run(base, c.prefix(), c.shape(), IN_FLIGHT, WINDOW);
    Instant end = Instant.now();
    node.jcmd("JFR.dump name=cost filename=" + jfr);
    Sample after = sample(node.pid(), cassandra.pid(), session);
    double appends = r.eventsPerSecond() * WINDOW.toSeconds();

    Map<String, Double> threadMicros = new LinkedHashMap<>();
    double nodeMicros = 0;
    for (var e : after.threadTicks().entrySet()) {
      double micros = (e.getValue() - before.threadTicks().getOrDefault(e.getKey(), 0L)) * 1e4;
      threadMicros.merge(e.getKey(), micros / appends, Double::sum);
      nodeMicros += micros / appends;
    }
    double cassandraMicros = (after.cassandraNanos() - before.cassandraNanos()) / 1e3 / appends;
    md.append("### ")
        .append(c.name())
        .append(": ")
        .append(Report.n(r.eventsPerSecond()))
        .append(" appends/s, p50 ")
        .append(String.format("%.1f", r.p50Millis()))
        .append(" ms, p99 ")
        .append(String.format("%.1f", r.p99Millis()))
        .append(" ms, ")
        .append(r.failures())
        .append(" failed\n\n")
        .append("| CPU per append | µs |\n|---|---|\n")
        .append("| node, all threads | ")
        .append(Report.n(nodeMicros))
        .append(" |\n");
    threadMicros.forEach(
        (kind, micros) ->
            md.append("| node, ")
                .append(kind)
                .append(" | ")
                .append(Report.n(micros))
                .append(" |\n"));
    md.append("| Cassandra (its whole process) | ")
        .append(Report.n(cassandraMicros))
        .append(" |\n\n");

    md.append("Cassandra statements per append, by table (writes = mutations applied,")
        .append(" reads = single-partition reads, scans = range reads):\n\n")
        .append("| table | per append |\n|---|---|\n");
    statementRows(before, after, appends);
    md.append("\nCassandra's tasks per append, by thread pool (pools with at least 0.01):\n\n")
        .append(taskLine(before, after, appends))
        .append('\n');

    Profile p = Profile.read(jfr, start, end);
    double appMicros = threadMicros.getOrDefault("application threads", 0.0);
    md.append("\nApplication threads' CPU by stage (")
        .append(p.samples)
        .append(" JFR samples; µs = share of samples × application CPU per append):\n\n")
        .append("| stage | share | µs per append |\n|---|---|---|\n");
    p.byStage.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(
            e -> {
              double share = e.getValue() / (double) p.samples;
              md.append("| ")
                  .append(e.getKey())
                  .append(" | ")
                  .append(String.format("%.1f%%", share * 100))
                  .append(" | ")
                  .append(Report.n(share * appMicros))
                  .append(" |\n");
            });
    md.append("\nTop frames (self time, innermost frame):\n\n| frame | share |\n|---|---|\n");
    p.byFrame.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(15)
        .forEach(
            e ->
                md.append("| `")
                    .append(e.getKey())
                    .append("` | ")
                    .append(String.format("%.1f%%", e.getValue() * 100.0 / p.samples))
                    .append(" |\n"));
    md.append('\n');
    Files.deleteIfExists(jfr);
  }

  /** Completed tasks per append of each Cassandra thread pool, on one line. */
  private static String taskLine(Sample before, Sample after, double appends) {
    StringBuilder line = new StringBuilder();
    for (var e : after.tasks().entrySet()) {
      double per = (e.getValue() - before.tasks().getOrDefault(e.getKey(), 0L)) / appends;
      if (per >= 0.01) {
        line.append(line.length() == 0 ? "" : ", ")
            .append(e.getKey())
            .append(' ')
            .append(String.format("%.2f", per));
      }
    }
    return line.append('\n').toString();
  }

  private void statementRows(Sample before, Sample after, double appends) {
    for (var e : after.statements().entrySet()) {
      long delta = e.getValue() - before.statements().getOrDefault(e.getKey(), 0L);
      if (delta > 0) {
        md.append("| ")
            .append(e.getKey())
            .append(" | ")
            .append(String.format("%.3f", delta / appends))
            .append(" |\n");
      }
    }
  }

  /**
   * The strict writer on the same two shapes, then (streams in use) with the plugin's row:
   * Cassandra CPU and statements per append.
   */
  private void strict(DevCassandra cassandra, RawDriverLoad raw) throws Exception {
    AtomicLong fresh = new AtomicLong();
    md.append("### The strict writer, same shapes, same sitting\n\n")
        .append(
            "| case | appends/s | Cassandra CPU per append, µs | statements per append |"
                + " Cassandra tasks per append |\n")
        .append("|---|---|---|---|---|\n");
    StrictWriter plain = raw.strict();
    strictCase(
        cassandra,
        raw,
        "10,000 streams in use",
        n -> plain.append("strict-" + ThreadLocalRandom.current().nextInt(10_000), 1));
    strictCase(
        cassandra,
        raw,
        "new streams (first append each)",
        n -> plain.append("strict-new-" + fresh.incrementAndGet(), 1));
    StrictWriter pluginRow = raw.strictWithPluginRow();
    strictCase(
        cassandra,
        raw,
        "10,000 streams in use, the plugin's row (time bucket, empty tag set)",
        n -> pluginRow.append("strict-p-" + ThreadLocalRandom.current().nextInt(10_000), 1));
    md.append('\n');
  }

  private void strictCase(
      DevCassandra cassandra,
      RawDriverLoad raw,
      String name,
      java.util.function.IntFunction<java.util.concurrent.CompletableFuture<Integer>> request)
      throws Exception {
    Load.run(IN_FLIGHT, Duration.ofSeconds(10), Duration.ofSeconds(1), request);
    Sample before = sample(0, cassandra.pid(), raw.session());
    Result r = Load.run(IN_FLIGHT, Duration.ZERO, WINDOW, request);
    Sample after = sample(0, cassandra.pid(), raw.session());
    double appends = r.eventsPerSecond() * WINDOW.toSeconds();
    long statements = 0;
    for (var e : after.statements().entrySet()) {
      statements += e.getValue() - before.statements().getOrDefault(e.getKey(), 0L);
    }
    md.append("| ")
        .append(name)
        .append(" | ")
        .append(Report.n(r.eventsPerSecond()))
        .append(" | ")
        .append(Report.n((after.cassandraNanos() - before.cassandraNanos()) / 1e3 / appends))
        .append(" | ")
        .append(String.format("%.3f", statements / appends))
        .append(" | ")
        .append(taskLine(before, after, appends).trim())
        .append(" |\n");
  }

  private static Sample sample(long nodePid, long cassandraPid, CqlSession session)
      throws Exception {
    Map<String, Long> ticks = nodePid > 0 ? threadTicks(nodePid) : Map.of();
    long cassandraNanos =
        ProcessHandle.of(cassandraPid)
            .flatMap(h -> h.info().totalCpuDuration())
            .orElseThrow()
            .toNanos();
    Map<String, Long> statements = new TreeMap<>();
    String[][] views = {
      {"local_write_latency", "writes"},
      {"local_read_latency", "reads"},
      {"local_scan_latency", "scans"}
    };
    for (String[] v : views) {
      for (Row row :
          session.execute("SELECT keyspace_name, table_name, count FROM system_views." + v[0])) {
        String ks = row.getString("keyspace_name");
        if (ks.startsWith("bench_")) {
          statements.put(ks + "." + row.getString("table_name") + " " + v[1], row.getLong("count"));
        }
      }
    }
    Map<String, Long> tasks = new TreeMap<>();
    for (Row row : session.execute("SELECT name, completed_tasks FROM system_views.thread_pools")) {
      tasks.put(row.getString("name"), row.getLong("completed_tasks"));
    }
    return new Sample(ticks, cassandraNanos, statements, tasks);
  }

  /** The node's CPU ticks (1/100 s) by kind of thread, from /proc/pid/task/&#42;/stat. */
  private static Map<String, Long> threadTicks(long pid) throws Exception {
    Map<String, Long> byKind = new LinkedHashMap<>();
    for (String k :
        List.of("application threads", "GC threads", "JIT compiler threads", "JFR", "other JVM")) {
      byKind.put(k, 0L);
    }
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks.toList()) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (java.io.IOException gone) {
          continue;
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        byKind.merge(kind(name), t, Long::sum);
      }
    }
    return byKind;
  }

  private static String kind(String thread) {
    if (thread.startsWith("GC Thread") || thread.startsWith("G1 ")) {
      return "GC threads";
    }
    if (thread.startsWith("C1 Compiler") || thread.startsWith("C2 Compiler")) {
      return "JIT compiler threads";
    }
    if (thread.startsWith("JFR")) {
      return "JFR";
    }
    if (List.of(
            "VM Thread",
            "VM Periodic Tas",
            "Service Thread",
            "Signal Dispatch",
            "Reference Handl",
            "Finalizer",
            "Common-Cleaner",
            "Sweeper thread",
            "Monitor Deflati",
            "java")
        .contains(thread)) {
      return "other JVM";
    }
    return "application threads";
  }

  /** JFR execution samples by stage and by innermost frame. */
  private static final class Profile {
    long samples;
    final Map<String, Long> byStage = new TreeMap<>();
    final Map<String, Long> byFrame = new TreeMap<>();

    static Profile read(Path jfr, Instant start, Instant end) throws Exception {
      Profile p = new Profile();
      for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
        if (!e.getEventType().getName().equals("jdk.ExecutionSample")
            || e.getStackTrace() == null
            || e.getStartTime().isBefore(start)
            || e.getStartTime().isAfter(end)) {
          continue;
        }
        List<RecordedFrame> frames = e.getStackTrace().getFrames();
        if (frames.isEmpty()) {
          continue;
        }
        p.samples++;
        p.byStage.merge(stage(frames), 1L, Long::sum);
        RecordedFrame top = frames.get(0);
        p.byFrame.merge(
            top.getMethod().getType().getName() + "." + top.getMethod().getName(), 1L, Long::sum);
      }
      return p;
    }

    private static String stage(List<RecordedFrame> frames) {
      for (RecordedFrame f : frames) {
        String type = f.getMethod().getType().getName();
        for (String[] s : STAGES) {
          if (type.startsWith(s[0])) {
            return s[1];
          }
        }
      }
      return "JDK and Scala library only (e.g. thread pools, sockets)";
    }
  }
}
