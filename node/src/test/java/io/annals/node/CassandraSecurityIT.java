package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.servererrors.UnauthorizedException;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.annals.node.dev.ClientSecurity;
import io.annals.node.dev.DevCassandra;
import io.annals.node.tls.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A Cassandra of its own run as production runs it (client encryption only, PasswordAuthenticator,
 * CassandraAuthorizer), with the production overlay's schema and role CQL: a node logging in as the
 * role {@code annals} over TLS (its certificate checked against the test CA and the address)
 * starts, appends and reads; a plain-text connection is refused; the role may change neither the
 * schema nor roles (MODIFY includes TRUNCATE: Cassandra has no finer grant for writing rows).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CassandraSecurityIT {
  private static final Path SCHEMA = Path.of("../k8s/overlays/production/schema");
  private static final String PASSWORD = "node-" + UUID.randomUUID();
  private final TestPki ca = TestPki.newCa("cassandra-it-ca");
  private DevCassandra cassandra;
  private AnnalsNode node;
  private Path caFile;

  @BeforeAll
  void startCassandraWithClientEncryptionAndLogins() throws Exception {
    Assumptions.assumeTrue(RealCassandra.externalNode().isEmpty(), "starts a Cassandra of its own");
    Path dir = Files.createTempDirectory("annals-it-cassandra-security-");
    Path server = ca.issue("cassandra", TestPki.KeyType.RSA).writeTo(dir.resolve("server-tls"));
    Path keystore = server.resolve("keystore.pem");
    Files.writeString(
        keystore,
        Files.readString(server.resolve("tls.key")) + Files.readString(server.resolve("tls.crt")));
    caFile = server.resolve("ca.crt");
    cassandra =
        DevCassandra.start(
            new DevCassandra.Options(
                dir.resolve("data"),
                DevCassandra.locateLib(System.getProperty("annals.cassandra-lib")),
                0,
                "768m",
                "periodic",
                Duration.ofMinutes(3),
                new ClientSecurity(keystore, caFile)));
    try (CqlSession admin = awaitSession("cassandra", "cassandra")) {
      String schema =
          Files.readString(SCHEMA.resolve("annals-schema.cql"))
              // one node of the dev Cassandra's datacenter instead of three in dc1
              .replace("'dc1': 3", "'datacenter1': 1");
      statements(schema).forEach(admin::execute);
      // what schema-job.yaml does with the Secret annals-cassandra-node
      admin.execute(
          "CREATE ROLE IF NOT EXISTS annals WITH PASSWORD = '"
              + PASSWORD
              + "' AND LOGIN = true AND SUPERUSER = false");
      statements(Files.readString(SCHEMA.resolve("annals-role.cql"))).forEach(admin::execute);
    }
    String security =
        """
        annals.cassandra {
          username = annals
          password = "%s"
          tls {
            enabled = on
            ca-certificate = "%s"
            hostname-validation = on
          }
        }
        pekko.persistence.cassandra.journal.keyspace-autocreate = off
        pekko.persistence.cassandra.journal.tables-autocreate = off
        pekko.persistence.cassandra.snapshot.keyspace-autocreate = off
        pekko.persistence.cassandra.snapshot.tables-autocreate = off
        """
            .formatted(PASSWORD, caFile);
    node =
        AnnalsNode.start(
            ConfigFactory.parseString(security)
                .withFallback(RealCassandra.nodeConfig("annals", cassandra.contactPoint())),
            Duration.ofMinutes(2));
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
    if (cassandra != null) {
      cassandra.close();
    }
  }

  @Test
  void appendsAndReadsAsTheAnnalsRoleOverTls() {
    HttpJson http = new HttpJson(node.baseUrl());
    String stream = "secure-" + UUID.randomUUID();
    assertEquals(201, http.post("/streams/" + stream, event("Encrypted", "42")).status());
    List<JsonNode> read = http.readAllPages("/streams/" + stream);
    assertEquals(1, read.size());
    assertEquals(42, read.get(0).path("data").asInt());
  }

  @Test
  void refusesAConnectionWithoutTls() {
    assertThrows(
        AllNodesFailedException.class,
        () -> builder().withAuthCredentials("annals", PASSWORD).build().close());
  }

  @Test
  void givesTheAnnalsRoleNoRightToChangeTheSchemaOrRoles() {
    try (CqlSession annals =
        builder()
            .withAuthCredentials("annals", PASSWORD)
            .withSslContext(ca.trustingClientContext())
            .build()) {
      assertEquals(1, annals.execute("SELECT * FROM annals.messages LIMIT 1").all().size());
      for (String forbidden :
          List.of(
              "CREATE TABLE annals.extra (id int PRIMARY KEY)",
              "DROP TABLE annals.messages",
              "CREATE KEYSPACE other WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
              "CREATE ROLE intruder WITH PASSWORD = 'x' AND LOGIN = true",
              "SELECT * FROM system_auth.roles")) {
        assertThrows(UnauthorizedException.class, () -> annals.execute(forbidden), forbidden);
      }
    }
  }

  private CqlSession awaitSession(String user, String password) throws InterruptedException {
    // the default superuser exists a moment after CQL answers
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        return builder()
            .withAuthCredentials(user, password)
            .withSslContext(ca.trustingClientContext())
            .build();
      } catch (AllNodesFailedException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  /**
   * A session of the driver's own defaults: the test classpath's application.conf (cluster-config)
   * would add its contact point and keep reconnecting forever when the first connection fails.
   */
  private CqlSessionBuilder builder() {
    return CqlSession.builder()
        .withConfigLoader(
            DriverConfigLoader.programmaticBuilder()
                .withStringList(
                    DefaultDriverOption.CONTACT_POINTS, List.of(cassandra.contactPoint()))
                .withBoolean(DefaultDriverOption.RECONNECT_ON_INIT, false)
                .build())
        .withLocalDatacenter("datacenter1");
  }

  /** The statements of a CQL file, comments dropped. */
  private static List<String> statements(String cql) throws IOException {
    String code =
        String.join("\n", cql.lines().filter(l -> !l.stripLeading().startsWith("--")).toList());
    return Arrays.stream(code.split(";")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}
