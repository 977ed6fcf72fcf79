package io.annals.node;

import static java.util.concurrent.TimeUnit.SECONDS;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.annals.node.dev.DevCassandra;
import io.annals.node.security.Action;
import io.annals.node.security.ApiKeys;
import io.annals.node.security.Grant;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * {@code annals-node dev [--http-port N] [--data-dir DIR] [--auth]}: forks a real Cassandra on the
 * data directory and runs one node on it; with {@code --auth}, API keys are required and a new
 * admin key is printed. {@code annals-node keygen --name N --grant action:on ...}: a new API key
 * and its entry for the key file. {@code annals-node run}: one node of a cluster, connecting to the
 * Cassandra contact points of its configuration ({@code ANNALS_CASSANDRA_CONTACT_POINTS}). {@code
 * annals-node cassandra [--data-dir DIR] [--cql-port N]}: the dev mode's Cassandra alone, for a
 * local cluster of {@code run} nodes, until Ctrl-C or SIGTERM.
 */
public final class Main {
  private static final String USAGE =
      "usage: java -jar annals-node.jar dev [--http-port N] [--data-dir DIR] [--auth]\n"
          + "       java -jar annals-node.jar run     (Cassandra from config / environment)\n"
          + "       java -jar annals-node.jar cassandra [--data-dir DIR] [--cql-port N]\n"
          + "                 (Cassandra alone for run nodes; defaults ./annals-cassandra, 9042)\n"
          + "       java -jar annals-node.jar keygen --name NAME --grant ACTION:ON [--grant ...]\n"
          + "                 (a new API key and its entry for annals.security.api-keys.file)";

  private static final String COMMON_PARALLELISM =
      "java.util.concurrent.ForkJoinPool.common.parallelism";

  private Main() {}

  public static void main(String[] args) {
    // CompletableFuture runs a stage's default-async work in a new thread per task when the common
    // pool has fewer than two threads, which is what a 2-core machine gets; Pekko's ask stages
    // use that executor for continuations. Two threads keep it a pool.
    if (System.getProperty(COMMON_PARALLELISM) == null) {
      System.setProperty(
          COMMON_PARALLELISM,
          Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
    if (args.length == 0 || !List.of("dev", "run", "cassandra", "keygen").contains(args[0])) {
      fail(USAGE);
    }
    if (args[0].equals("keygen")) {
      keygen(args);
      return;
    }
    if (args[0].equals("cassandra")) {
      runCassandra(args);
      return;
    }
    boolean dev = args[0].equals("dev");
    // a node downed by the split brain resolver (or stopped by SIGTERM) exits, to be restarted
    Config config =
        with(environment(dev ? "dev" : "application"), "pekko.coordinated-shutdown.exit-jvm", true);
    boolean auth = false;
    for (int i = 1; i < args.length; i += 2) {
      if (dev && args[i].equals("--auth")) {
        auth = true;
        i--;
        continue;
      }
      if (i + 1 >= args.length) {
        fail("missing value after " + args[i] + "\n" + USAGE);
      }
      config =
          switch (args[i]) {
            case "--http-port" -> with(config, "annals.http.port", Integer.parseInt(args[i + 1]));
            case "--data-dir" -> with(config, "annals.dev.data-dir", args[i + 1]);
            default -> {
              fail("unknown option " + args[i] + "\n" + USAGE);
              yield config;
            }
          };
    }
    if (auth) {
      config =
          with(
              with(config, "annals.security.authentication", "api-keys"),
              "annals.security.access-log",
              true);
    }
    try {
      if (dev) {
        runDev(config, auth);
      } else {
        AnnalsNode node = AnnalsNode.start(config, Duration.ofMinutes(2));
        System.out.println("Annals ready at " + node.baseUrl());
      }
    } catch (RuntimeException e) {
      fail("Annals could not start: " + e.getMessage());
    }
  }

  /**
   * The dev Cassandra on its own (data in ./annals-cassandra, CQL on 9042 unless told otherwise),
   * for nodes started with {@code run}; it stops when this JVM gets Ctrl-C or SIGTERM.
   */
  private static void runCassandra(String[] args) {
    Config config =
        with(
            with(environment("dev"), "annals.dev.data-dir", "annals-cassandra"),
            "annals.dev.cql-port",
            9042);
    for (int i = 1; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        fail("missing value after " + args[i] + "\n" + USAGE);
      }
      config =
          switch (args[i]) {
            case "--data-dir" -> with(config, "annals.dev.data-dir", args[i + 1]);
            case "--cql-port" -> with(config, "annals.dev.cql-port", Integer.parseInt(args[i + 1]));
            default -> {
              fail("unknown option " + args[i] + "\n" + USAGE);
              yield config;
            }
          };
    }
    DevCassandra cassandra;
    try {
      cassandra = startCassandra(config.getConfig("annals.dev"));
    } catch (RuntimeException e) {
      fail("Cassandra could not start: " + e.getMessage());
      return;
    }
    awaitCassandraExit(
        cassandra,
        config.getInt("annals.dev.cql-port"),
        Path.of(config.getString("annals.dev.data-dir")).toAbsolutePath());
  }

  /** Prints where Cassandra answers and blocks until it exits (its shutdown hook stops it). */
  private static void awaitCassandraExit(DevCassandra cassandra, int wantedPort, Path dataDir) {
    if (wantedPort != 0 && cassandra.cqlPort() != wantedPort) {
      System.err.println(
          "port "
              + wantedPort
              + " is taken; start the nodes with ANNALS_CASSANDRA_CONTACT_POINTS="
              + cassandra.contactPoint());
    }
    AtomicBoolean stopping = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopping.set(true)));
    System.out.println("Cassandra ready at " + cassandra.contactPoint() + " (Ctrl-C stops it)");
    ProcessHandle.of(cassandra.pid()).ifPresent(p -> p.onExit().join());
    if (!stopping.get()) {
      // a crash, or someone stopped the fork: no node can use it any more
      fail("Cassandra exited unexpectedly; see " + dataDir.resolve("cassandra.log"));
    }
  }

  /** Forks the dev Cassandra described by {@code d} (the {@code annals.dev} section). */
  private static DevCassandra startCassandra(Config d) {
    return DevCassandra.start(
        new DevCassandra.Options(
            Path.of(d.getString("data-dir")),
            DevCassandra.locateLib(d.getString("cassandra-lib")),
            d.getInt("cql-port"),
            d.getString("cassandra-heap"),
            d.getString("commitlog-sync"),
            d.getDuration("start-timeout")));
  }

  private static void runDev(Config config, boolean auth) {
    Config d = config.getConfig("annals.dev");
    DevCassandra cassandra = startCassandra(d);
    Config withCassandra =
        config.withValue(
            "datastax-java-driver.basic.contact-points",
            ConfigValueFactory.fromIterable(List.of(cassandra.contactPoint())));
    AnnalsNode node;
    try {
      node = AnnalsNode.start(withCassandra, d.getDuration("start-timeout"));
    } catch (RuntimeException e) {
      cassandra.close();
      throw e;
    }
    // Cassandra stops after the node has drained its requests and left the cluster.
    cassandra.holdShutdownUntil(node.system().getWhenTerminated(), Duration.ofSeconds(90));
    CoordinatedShutdown.get(Adapter.toClassic(node.system()))
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "stop-dev-cassandra",
            () -> {
              cassandra.close();
              return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
            });
    System.out.println("Annals ready at " + node.baseUrl());
    if (auth) {
      System.out.println("Dev admin key: " + devAdminKey(node));
    }
    warnWithoutHeapLimit();
  }

  /**
   * A new API key {@code dev-admin} with {@code admin} on {@code $all}, replacing the one of the
   * last start (whose text was printed once and is not kept).
   */
  private static String devAdminKey(AnnalsNode node) {
    var keys = node.security().keys().orElseThrow();
    try {
      keys.delete("dev-admin").toCompletableFuture().exceptionally(f -> null).get(30, SECONDS);
      String key =
          keys.create("dev-admin", List.of(new Grant(Action.ADMIN, Grant.ALL)))
              .toCompletableFuture()
              .get(30, SECONDS);
      node.security().reloadEverywhere().toCompletableFuture().get(30, SECONDS);
      return key;
    } catch (Exception e) {
      throw new IllegalStateException("could not create the dev admin key: " + e, e);
    }
  }

  /** {@code keygen --name N --grant action:on ...}: prints a new key and its key-file entry. */
  private static void keygen(String[] args) {
    String name = null;
    List<Grant> grants = new java.util.ArrayList<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      try {
        switch (args[i]) {
          case "--name" -> name = args[i + 1];
          case "--grant" -> grants.add(Grant.parse(args[i + 1]));
          default -> fail("unknown option " + args[i] + "\n" + USAGE);
        }
      } catch (IllegalArgumentException e) {
        fail(e.getMessage());
      }
    }
    if (name == null || grants.isEmpty() || args.length % 2 == 0) {
      fail(USAGE);
    }
    String[] key = ApiKeys.keygen(name, grants);
    System.out.println("API key (give it to the client; it is not kept): " + key[0]);
    System.out.println("Key file entry (add it to the JSON array of the key file):");
    System.out.println(key[1]);
  }

  /**
   * Without a heap flag the JVM may take a quarter of the machine's memory (a fuzzer drove dev
   * mode's node to 3.7 GB). The node runs well in 1 GiB: 100,000 passivated streams hold ~33 MiB.
   */
  private static void warnWithoutHeapLimit() {
    boolean given =
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .anyMatch(
                a ->
                    a.startsWith("-Xmx")
                        || a.startsWith("-XX:MaxHeapSize")
                        || a.startsWith("-XX:MaxRAM"));
    if (!given) {
      System.out.printf(
          "No heap limit given: this JVM may grow to %d MiB. Start with java -Xmx1g -jar ..."
              + " (1 GiB is plenty for dev mode).%n",
          Runtime.getRuntime().maxMemory() >> 20);
    }
  }

  /**
   * The environment file chosen with -Dconfig.resource / -Dconfig.file, else the mode's default.
   */
  private static Config environment(String defaultResource) {
    boolean chosen =
        System.getProperty("config.resource") != null || System.getProperty("config.file") != null;
    return chosen ? ConfigFactory.load() : ConfigFactory.load(defaultResource);
  }

  private static Config with(Config config, String path, Object value) {
    return config.withValue(path, ConfigValueFactory.fromAnyRef(value));
  }

  private static void fail(String message) {
    System.err.println(message);
    System.exit(2);
  }
}
