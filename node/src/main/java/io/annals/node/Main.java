package io.annals.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.annals.node.dev.DevCassandra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * {@code annals-node dev [--http-port N] [--data-dir DIR]}: forks a real Cassandra on the data
 * directory and runs one node on it. {@code annals-node run}: one node of a cluster, connecting to
 * the Cassandra contact points of its configuration ({@code ANNALS_CASSANDRA_CONTACT_POINTS}).
 */
public final class Main {
  private static final String USAGE =
      "usage: java -jar annals-node.jar dev [--http-port N] [--data-dir DIR]\n"
          + "       java -jar annals-node.jar run     (Cassandra from config / environment)";

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
    if (args.length == 0 || !(args[0].equals("dev") || args[0].equals("run"))) {
      fail(USAGE);
    }
    boolean dev = args[0].equals("dev");
    // a node downed by the split brain resolver (or stopped by SIGTERM) exits, to be restarted
    Config config =
        with(environment(dev ? "dev" : "application"), "pekko.coordinated-shutdown.exit-jvm", true);
    for (int i = 1; i < args.length; i += 2) {
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
    try {
      if (dev) {
        runDev(config);
      } else {
        AnnalsNode node = AnnalsNode.start(config, Duration.ofMinutes(2));
        System.out.println("Annals ready at " + node.baseUrl());
      }
    } catch (RuntimeException e) {
      fail("Annals could not start: " + e.getMessage());
    }
  }

  private static void runDev(Config config) {
    Config d = config.getConfig("annals.dev");
    DevCassandra cassandra =
        DevCassandra.start(
            new DevCassandra.Options(
                Path.of(d.getString("data-dir")),
                DevCassandra.locateLib(d.getString("cassandra-lib")),
                d.getInt("cql-port"),
                d.getString("cassandra-heap"),
                d.getString("commitlog-sync").equals("group"),
                d.getDuration("start-timeout")));
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
