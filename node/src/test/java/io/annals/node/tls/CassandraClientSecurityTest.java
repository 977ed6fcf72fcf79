package io.annals.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/** {@code annals.cassandra} login and TLS become the Cassandra driver's settings, or nothing. */
class CassandraClientSecurityTest {

  @Test
  void leavesTheDriverWithoutLoginAndTlsByDefault() {
    Config driver = driver(CassandraClientSecurity.apply(load("")));
    assertFalse(driver.hasPath("auth-provider.class"), driver::toString);
    assertFalse(driver.hasPath("ssl-engine-factory.class"), driver::toString);
  }

  @Test
  void logsInWithThePlainTextProviderWhenAUsernameIsGiven() {
    Config driver =
        driver(
            CassandraClientSecurity.apply(
                load("annals.cassandra { username = annals, password = \"s3cret\" }")));
    assertEquals("PlainTextAuthProvider", driver.getString("auth-provider.class"));
    assertEquals("annals", driver.getString("auth-provider.username"));
    assertEquals("s3cret", driver.getString("auth-provider.password"));
  }

  @Test
  void refusesAUsernameWithoutPassword() {
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class,
            () -> CassandraClientSecurity.apply(load("annals.cassandra.username = annals")));
    assertTrue(refused.getMessage().contains("ANNALS_CASSANDRA_PASSWORD"), refused::getMessage);
  }

  @Test
  void connectsThroughThePemFactoryWhenTlsIsOn() {
    Config driver =
        driver(
            CassandraClientSecurity.apply(
                load(
                    "annals.cassandra.tls { enabled = on, ca-certificate = \"/ca.crt\","
                        + " hostname-validation = on }")));
    Config factory = driver.getConfig("ssl-engine-factory");
    assertEquals(PemSslEngineFactory.class.getName(), factory.getString("class"));
    assertEquals("/ca.crt", factory.getString("ca-certificate"));
    assertEquals("", factory.getString("certificate"));
    assertTrue(factory.getBoolean("hostname-validation"));
    assertEquals(10, factory.getDuration("reload-check-interval").toSeconds());
  }

  private static Config load(String overrides) {
    return ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseResources("application.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  private static Config driver(Config config) {
    return config.getConfig("datastax-java-driver.advanced");
  }
}
