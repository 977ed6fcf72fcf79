package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every environment file resolves, and yields settings the node can start with. */
class EnvironmentConfigTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application.conf",
        "dev.conf",
        "local-1.conf",
        "local-2.conf",
        "local-3.conf",
        "kubernetes.conf"
      })
  void resolvesEveryEnvironmentIntoValidSettings(String resource) {
    Config config =
        ConfigFactory.parseResources(resource)
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    AnnalsSettings settings = AnnalsSettings.from(config);
    assertTrue(settings.httpPort() > 0);
    assertTrue(settings.stream().maxBatchEvents() > 0);
    assertEquals("cluster", config.getString("pekko.actor.provider"));
    assertEquals(
        "jackson-cbor",
        config.getString("pekko.actor.serialization-bindings.\"io.annals.node.CborSerializable\""));
  }

  @Test
  void givesTheLocalClusterNodesTheirOwnPortsAndOneBootstrapServiceOfThree() {
    for (int n = 1; n <= 3; n++) {
      Config c = load("local-" + n + ".conf");
      assertEquals(8080 + n, c.getInt("annals.http.port"));
      assertEquals(8550 + n, c.getInt("pekko.management.http.port"));
      assertEquals(25520 + n, c.getInt("pekko.remote.artery.canonical.port"));
      assertTrue(AnnalsSettings.from(c).bootstrap());
      assertEquals(3, c.getConfigList("pekko.discovery.config.services.annals.endpoints").size());
      assertEquals(
          "keep-majority", c.getString("pekko.cluster.split-brain-resolver.active-strategy"));
    }
  }

  @Test
  void runsKubernetesWithApiDiscoveryLeaseMajorityAndNoSchemaCreation() {
    Config c = load("kubernetes.conf");
    assertEquals(
        "kubernetes-api",
        c.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
    assertEquals("app=%s", c.getString("pekko.discovery.kubernetes-api.pod-label-selector"));
    assertEquals(
        "lease-majority", c.getString("pekko.cluster.split-brain-resolver.active-strategy"));
    assertEquals(
        "pekko.coordination.lease.kubernetes",
        c.getString("pekko.cluster.split-brain-resolver.lease-majority.lease-implementation"));
    assertEquals("0.0.0.0", c.getString("annals.http.interface"));
    assertEquals(false, c.getBoolean("pekko.persistence.cassandra.journal.keyspace-autocreate"));
    assertEquals(3, c.getInt("pekko.persistence.cassandra.journal.replication-factor"));
    assertEquals(
        "QUORUM",
        c.getString(
            "datastax-java-driver.profiles.pekko-persistence-cassandra-profile.basic.request.consistency"));
    assertFalse(AnnalsSettings.from(c).joinSelf());
    assertTrue(AnnalsSettings.from(c).bootstrap());
  }

  @Test
  void keepsRemotingPlainUnlessTheTransportIsTlsTcp() {
    for (String resource : List.of("dev.conf", "local-1.conf", "kubernetes.conf")) {
      Config c = load(resource);
      assertEquals("tcp", c.getString("pekko.remote.artery.transport"), resource);
      assertFalse(AnnalsSettings.from(c).httpTls().enabled(), resource + " API over HTTPS");
      Config keys = c.getConfig("pekko.remote.artery.ssl.rotating-keys-engine");
      assertEquals("/var/run/secrets/annals/remoting-tls/tls.key", keys.getString("key-file"));
      assertEquals("/var/run/secrets/annals/remoting-tls/ca.crt", keys.getString("ca-cert-file"));
    }
    assertEquals(
        "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider",
        load("kubernetes.conf").getString("pekko.remote.artery.ssl.ssl-engine-provider"));
  }

  private static Config load(String resource) {
    return ConfigFactory.parseResources(resource)
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  @Test
  void turnsCommaSeparatedContactPointsIntoTheDriversList() {
    Config config =
        ConfigFactory.parseString(
                "annals.cassandra.contact-points = \"10.0.0.1:9042, 10.0.0.2:9042\"")
            .withFallback(ConfigFactory.parseResources("application.conf"))
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    assertEquals(
        List.of("10.0.0.1:9042", "10.0.0.2:9042"),
        AnnalsNode.withContactPoints(config)
            .getStringList("datastax-java-driver.basic.contact-points"));
  }
}
