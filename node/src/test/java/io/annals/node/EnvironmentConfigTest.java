package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
  @ValueSource(strings = {"application.conf", "dev.conf"})
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
