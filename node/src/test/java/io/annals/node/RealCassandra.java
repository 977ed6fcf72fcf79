package io.annals.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.annals.node.dev.DevCassandra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: one real Cassandra 5.0 (forked, fresh temporary data directory, free ports)
 * for the whole test run, stopped when the run ends. Test classes get node configurations with a
 * keyspace of their own from {@link #nodeConfig(String)}.
 */
public final class RealCassandra implements BeforeAllCallback {
  private static volatile DevCassandra shared;

  /** The URL of a running node to test black-box ({@code -Dannals.it.base-url}), if given. */
  public static java.util.Optional<String> externalNode() {
    return java.util.Optional.ofNullable(System.getProperty("annals.it.base-url"))
        .filter(url -> !url.isBlank());
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (externalNode().isPresent()) {
      return;
    }
    context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(
            "annals-real-cassandra", key -> new Running(start("shared")), Running.class);
  }

  /** A Cassandra of its own, for tests that stop and restart it; the caller closes it. */
  public static DevCassandra startPrivate(String name) {
    return start(name);
  }

  private static DevCassandra start(String name) {
    try {
      Path dir = Files.createTempDirectory("annals-it-" + name + "-");
      return DevCassandra.start(
          new DevCassandra.Options(
              dir,
              DevCassandra.locateLib(System.getProperty("annals.cassandra-lib")),
              0,
              "768m",
              "periodic",
              Duration.ofMinutes(3)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shared Cassandra's contact point, "host:port". */
  public static String contactPoint() {
    return shared.contactPoint();
  }

  /** The process id of the shared Cassandra (to pause it with SIGSTOP in fault tests). */
  public static long pid() {
    return shared.pid();
  }

  /** Node configuration on the shared Cassandra, with keyspace {@code keyspace}. */
  public static Config nodeConfig(String keyspace) {
    return nodeConfig(keyspace, shared.contactPoint());
  }

  /** Node configuration: dev environment, HTTP on a free port, journal in {@code keyspace}. */
  public static Config nodeConfig(String keyspace, String contactPoint) {
    String overrides =
        """
        annals.http.port = 0
        annals.cluster.join-self = on
        pekko.remote.artery.canonical.port = 0
        pekko.management.http.port = 0
        pekko.persistence.cassandra.journal.keyspace = "%1$s"
        pekko.persistence.cassandra.snapshot.keyspace = "%1$s_snapshot"
        datastax-java-driver.basic.contact-points = ["%2$s"]
        """
            .formatted(keyspace, contactPoint);
    return ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseResources("dev.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  /** Starts a node on the shared Cassandra. */
  public static AnnalsNode startNode(String keyspace) {
    return AnnalsNode.start(nodeConfig(keyspace), Duration.ofMinutes(2));
  }

  private record Running(DevCassandra cassandra)
      implements ExtensionContext.Store.CloseableResource {
    Running {
      shared = cassandra;
    }

    @Override
    public void close() {
      cassandra.close();
    }
  }
}
