package io.annals.node.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.annals.node.RealCassandra;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The history check on three node processes and the run's Cassandra: {@code history.clients}
 * clients (8) append to {@code history.streams} streams (20, in two categories) for {@code
 * history.duration} (75 s) while {@code history.faults} faults (4: Cassandra paused, kill -9,
 * stalled writes, SIGTERM, and round again) are injected; then every node reads everything back and
 * {@link Checker} and {@link LogCheck} judge the history. The report goes to {@code
 * target/history/summary.md} (with {@code ops.jsonl}, every request and answer, and {@code
 * anomalies.txt}); the test passes on zero anomalies. A long run: {@code mvn -B -ntp verify -pl
 * node -Dit.test=HistoryIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dspotless.check.skip=true -Dhistory.duration=10m -Dhistory.faults=24}.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryIT {
  private static final Path OUT = Path.of("target/history");
  private final Duration duration =
      ConfigFactory.parseString("d = " + System.getProperty("history.duration", "75s"))
          .getDuration("d");
  private final int faults = Integer.getInteger("history.faults", 4);
  private final int clients = Integer.getInteger("history.clients", 8);
  private final long seed = Long.getLong("history.seed", new Random().nextLong());
  private final String run = UUID.randomUUID().toString().substring(0, 6);
  private final List<String> categories = List.of("acct" + run, "ledger" + run);
  private final List<String> streams = new ArrayList<>();
  private final List<Client> load = new ArrayList<>();
  private Cluster cluster;
  private Nemesis nemesis;
  private Thread faulting;

  @BeforeAll
  void startCluster() throws Exception {
    Assumptions.assumeTrue(RealCassandra.externalNode().isEmpty(), "starts node processes");
    Files.createDirectories(OUT);
    for (int i = 0; i < Integer.getInteger("history.streams", 20); i++) {
      streams.add(categories.get(i % 2) + "-" + String.format("%02d", i / 2));
    }
    cluster = new Cluster(OUT, RealCassandra.contactPoint(), "history_it");
    cluster.start();
  }

  /** Faults first (a pause ends with SIGCONT, a restart is cut short), then the nodes. */
  @AfterAll
  void stopEverything() throws InterruptedException, IOException {
    if (faulting != null && faulting.isAlive()) {
      faulting.interrupt();
      faulting.join(TimeUnit.SECONDS.toMillis(60));
    }
    load.forEach(Client::stop);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 29, unit = TimeUnit.MINUTES) // failsafe's fork timeout is 30 minutes
  void keepsEveryAcknowledgedAppendThroughKillsStopsAndCassandraPauses() throws Exception {
    long start = System.nanoTime();
    List<Op> ops = runLoadWithFaults(start);
    long loadEnd = System.nanoTime();
    cluster.ensureAllUp();
    boolean indexed =
        Readback.awaitIndexed(
            cluster.baseUrls().get(0), streams, categories, Duration.ofMinutes(2));
    List<Readback> reads = new ArrayList<>();
    for (String node : cluster.baseUrls()) {
      reads.add(Readback.read(node, streams, categories));
    }
    List<Checker.Anomaly> anomalies = new ArrayList<>(Checker.check(ops, reference(reads)));
    anomalies.addAll(LogCheck.check(reads, streams));
    report(
        new Summary.Run(
            run,
            seed,
            duration.toSeconds() + " s",
            faults,
            clients,
            streams,
            start,
            loadEnd,
            indexed,
            shards()),
        ops,
        anomalies,
        reads);

    assertEquals(List.of(), nemesis.errors(), "every fault injected and healed");
    assertEquals(faults, nemesis.faults().size(), "faults injected");
    assertTrue(
        anomalies.isEmpty(),
        () -> anomalies.size() + " anomalies, see " + OUT.toAbsolutePath() + "/summary.md");
  }

  /**
   * Clients run for {@code duration} and until 10 s after the last fault healed; faults still
   * running 10 minutes after {@code duration} (a node that would not start again) are stopped.
   */
  private List<Op> runLoadWithFaults(long start) throws InterruptedException {
    nemesis = new Nemesis(cluster, RealCassandra.pid(), seed, start, duration, faults);
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    int think = Integer.getInteger("history.think-ms", 50);
    for (int c = 0; c < clients; c++) {
      load.add(new Client(c, clients, http, cluster.baseUrls(), streams, seed + c, think));
    }
    load.forEach(Client::start);
    faulting = new Thread(nemesis, "nemesis");
    faulting.start();
    long cap = start + duration.toNanos() + TimeUnit.MINUTES.toNanos(10);
    faulting.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(cap - System.nanoTime())));
    if (faulting.isAlive()) {
      faulting.interrupt();
      faulting.join(TimeUnit.SECONDS.toMillis(60));
      nemesis.errors().add("faults still running 10 minutes after the planned end; stopped");
    }
    long end =
        Math.max(start + duration.toNanos(), System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    TimeUnit.NANOSECONDS.sleep(Math.max(0, end - System.nanoTime()));
    load.forEach(Client::stop);
    List<Op> ops = new ArrayList<>();
    for (Client c : load) {
      ops.addAll(c.await(Duration.ofMinutes(2)));
    }
    return ops;
  }

  private void report(
      Summary.Run r, List<Op> ops, List<Checker.Anomaly> anomalies, List<Readback> reads)
      throws IOException {
    Set<UUID> stored = new HashSet<>();
    reference(reads)
        .values()
        .forEach(s -> s.events().forEach(e -> stored.add(UUID.fromString(e.path("id").asText()))));
    String summary = Summary.render(r, ops, nemesis.faults(), nemesis.errors(), anomalies, stored);
    Files.writeString(OUT.resolve("summary.md"), summary);
    Files.write(OUT.resolve("anomalies.txt"), anomalies.stream().map(Object::toString).toList());
    Summary.writeOps(OUT.resolve("ops.jsonl"), r, ops);
    System.out.println(summary);
  }

  /** Each stream as the first node that could read it read it (the nodes are compared apart). */
  private Map<String, Readback.StreamRead> reference(List<Readback> reads) {
    Map<String, Readback.StreamRead> ref = new LinkedHashMap<>();
    for (String s : streams) {
      reads.stream()
          .filter(r -> r.streams.containsKey(s))
          .findFirst()
          .ifPresent(r -> ref.put(s, r.streams.get(s)));
    }
    return ref;
  }

  private static int shards() {
    return ConfigFactory.parseResources("cluster.conf")
        .resolve()
        .getInt("pekko.cluster.sharding.number-of-shards");
  }
}
