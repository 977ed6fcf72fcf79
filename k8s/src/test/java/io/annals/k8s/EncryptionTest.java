package io.annals.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.annals.node.tls.CassandraClientSecurity;
import io.annals.node.tls.PemSslEngineFactory;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The production overlay encrypts every connection: the API over HTTPS, remoting over mutual TLS
 * and Cassandra over TLS, each from a cert-manager Certificate whose Secret is mounted where the
 * node's configuration reads the files; the nodes log in to Cassandra as a role that may only read
 * and write the rows of their keyspaces, with credentials from a Secret. Dev and the base stay
 * plain. Who may reach which port: {@link NetworkPoliciesTest}.
 */
class EncryptionTest {
  private static final Pattern GRANT =
      Pattern.compile("GRANT (SELECT|MODIFY) ON KEYSPACE (\\w+) TO (\\w+)");

  @ParameterizedTest
  @ValueSource(strings = {Rendered.BASE, Rendered.DEV})
  void keepsTheBaseAndDevPlain(String dir) {
    Config c = Rendered.node(dir).config();
    assertFalse(c.getBoolean("annals.http.tls.enabled"), dir + " API over HTTPS");
    assertEquals("tcp", c.getString("pekko.remote.artery.transport"), dir + " remoting");
    assertFalse(c.getBoolean("annals.cassandra.tls.enabled"), dir + " Cassandra over TLS");
    assertTrue(Rendered.manifests(dir).custom("Certificate").isEmpty(), dir + " Certificates");
  }

  @Test
  void servesTheApiOverHttpsFromItsCertificate() {
    NodeDeployment node = Rendered.node(Rendered.PRODUCTION);
    Config tls = node.config().getConfig("annals.http.tls");
    assertTrue(tls.getBoolean("enabled"), "annals.http.tls.enabled");
    GenericKubernetesResource certificate =
        certificateMountedFor(node, tls.getString("certificate"), tls.getString("private-key"));
    // the node reads EC keys only as PKCS#8
    assertEquals("PKCS8", certificate.get("spec", "privateKey", "encoding"));
    List<String> names = certificate.get("spec", "dnsNames");
    assertTrue(names.contains("annals.annals.svc"), "the Service's name in " + names);
  }

  @Test
  void runsRemotingOverMutualTlsWithOneRsaCertificateForEveryMember() {
    NodeDeployment node = Rendered.node(Rendered.PRODUCTION);
    Config artery = node.config().getConfig("pekko.remote.artery");
    assertEquals("tls-tcp", artery.getString("transport"));
    assertEquals(
        "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider",
        artery.getString("ssl.ssl-engine-provider"));
    Config keys = artery.getConfig("ssl.rotating-keys-engine");
    GenericKubernetesResource certificate =
        certificateMountedFor(
            node,
            keys.getString("key-file"),
            keys.getString("cert-file"),
            keys.getString("ca-cert-file"));
    // Pekko's PEM loader reads RSA keys only; each member is client and server
    assertEquals("RSA", certificate.get("spec", "privateKey", "algorithm"));
    List<String> usages = certificate.get("spec", "usages");
    assertTrue(usages.containsAll(List.of("server auth", "client auth")), "usages " + usages);
  }

  @Test
  void connectsToCassandraOverTlsAsTheRoleOfASecret() {
    NodeDeployment node = Rendered.node(Rendered.PRODUCTION);
    Config cassandra = node.config().getConfig("annals.cassandra");
    assertTrue(cassandra.getBoolean("tls.enabled"), "annals.cassandra.tls.enabled");
    GenericKubernetesResource certificate =
        certificateMountedFor(node, cassandra.getString("tls.ca-certificate"));
    for (String variable : List.of("ANNALS_CASSANDRA_USERNAME", "ANNALS_CASSANDRA_PASSWORD")) {
      assertEquals("annals-cassandra-node", secretOf(node.container().getEnv(), variable));
    }
    // the driver's settings the node derives from it (no Cassandra needed)
    Config driver =
        CassandraClientSecurity.apply(node.config()).getConfig("datastax-java-driver.advanced");
    assertEquals(PemSslEngineFactory.class.getName(), driver.getString("ssl-engine-factory.class"));
    assertEquals("PlainTextAuthProvider", driver.getString("auth-provider.class"));

    // Cassandra takes TLS only, with the stores cert-manager writes into the same Secret
    GenericKubernetesResource cluster =
        Rendered.manifests(Rendered.PRODUCTION).custom("K8ssandraCluster").get(0);
    assertEquals(Boolean.TRUE, cluster.get("spec", "auth"), "K8ssandraCluster auth");
    Map<String, Object> options =
        cluster.get(
            "spec",
            "cassandra",
            "datacenters",
            0,
            "config",
            "cassandraYaml",
            "client_encryption_options");
    assertEquals(true, options.get("enabled"), "client_encryption_options " + options);
    assertEquals(false, options.get("optional"), "client_encryption_options " + options);
    String secret = certificate.get("spec", "secretName");
    String password = certificate.get("spec", "keystores", "pkcs12", "passwordSecretRef", "name");
    for (String store : List.of("keystore", "truststore")) {
      assertEquals(
          secret,
          cluster.get("spec", "cassandra", "clientEncryptionStores", store + "SecretRef", "name"),
          store);
      assertEquals(
          password,
          cluster.get(
              "spec", "cassandra", "clientEncryptionStores", store + "PasswordSecretRef", "name"),
          store + " password");
    }
  }

  @Test
  void grantsTheNodesRoleOnlyRowAccessToTheirKeyspaces() {
    Manifests production = Rendered.manifests(Rendered.PRODUCTION);
    Config config = Rendered.node(Rendered.PRODUCTION).config();
    String cql = production.generated("annals-schema").getData().get("annals-role.cql");
    assertNotNull(cql, "annals-schema has no annals-role.cql");
    List<String> statements =
        Pattern.compile(";")
            .splitAsStream(cql.lines().filter(l -> !l.startsWith("--")).reduce("", String::concat))
            .map(String::strip)
            .filter(statement -> !statement.isEmpty())
            .toList();
    Set<String> keyspaces =
        Set.of(
            config.getString("pekko.persistence.cassandra.journal.keyspace"),
            config.getString("pekko.persistence.cassandra.snapshot.keyspace"));
    assertEquals(4, statements.size(), "statements " + statements);
    for (String statement : statements) {
      Matcher grant = GRANT.matcher(statement);
      assertTrue(grant.matches(), "not a row grant: " + statement);
      assertTrue(keyspaces.contains(grant.group(2)), statement);
      assertEquals("annals", grant.group(3), statement);
    }
    // the Job creates the role (not a superuser) from the nodes' Secret, then runs the grants
    Job job = production.named(Job.class, "annals-schema");
    var cqlsh = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("annals-cassandra-node", secretOf(cqlsh.getEnv(), "ANNALS_CASSANDRA_USERNAME"));
    assertEquals("annals-cassandra-node", secretOf(cqlsh.getEnv(), "ANNALS_CASSANDRA_PASSWORD"));
    String script = String.join("\n", cqlsh.getArgs());
    assertTrue(script.contains("SUPERUSER = false"), "the role is no superuser");
    assertTrue(script.contains("-f /schema/annals-role.cql"), "the Job runs the grants");
    assertTrue(script.contains("--ssl"), "the Job connects over TLS");
  }

  /**
   * The Certificate whose Secret is mounted in the node container at the folder of each file,
   * holding each file; its issuer is an Issuer of the rendering.
   */
  private static GenericKubernetesResource certificateMountedFor(
      NodeDeployment node, String... files) {
    String secret = null;
    for (String file : files) {
      Path path = Path.of(file);
      VolumeMount mount =
          node.container().getVolumeMounts().stream()
              .filter(m -> Path.of(m.getMountPath()).equals(path.getParent()))
              .findFirst()
              .orElseThrow(() -> new AssertionError(node.where() + " mounts nothing at " + file));
      Volume volume =
          node.pod().getVolumes().stream()
              .filter(v -> v.getName().equals(mount.getName()))
              .findFirst()
              .orElseThrow();
      assertNotNull(volume.getSecret(), file + " is not from a Secret");
      assertTrue(mount.getSubPath() == null, file + ": a subPath mount never sees a renewal");
      List<KeyToPath> items = volume.getSecret().getItems();
      String name = path.getFileName().toString();
      assertTrue(
          items.isEmpty() || items.stream().anyMatch(i -> i.getPath().equals(name)),
          volume.getName() + " does not hold " + name);
      assertTrue(
          secret == null || secret.equals(volume.getSecret().getSecretName()),
          "one Secret for " + List.of(files));
      secret = volume.getSecret().getSecretName();
    }
    Manifests manifests = node.manifests();
    String secretName = secret;
    List<GenericKubernetesResource> issuing =
        manifests.custom("Certificate").stream()
            .filter(c -> secretName.equals(c.get("spec", "secretName")))
            .toList();
    assertEquals(1, issuing.size(), "Certificates writing the Secret " + secret);
    GenericKubernetesResource certificate = issuing.get(0);
    String issuer = certificate.get("spec", "issuerRef", "name");
    assertTrue(
        manifests.custom("Issuer").stream().anyMatch(i -> i.getMetadata().getName().equals(issuer)),
        "no Issuer " + issuer);
    return certificate;
  }

  /** The Secret a variable of {@code env} is taken from; fails for a literal or a ConfigMap. */
  private static String secretOf(List<EnvVar> env, String variable) {
    EnvVar var =
        env.stream()
            .filter(e -> e.getName().equals(variable))
            .findFirst()
            .orElseThrow(() -> new AssertionError(variable + " is not set"));
    assertTrue(
        var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null,
        variable + " does not come from a Secret");
    return var.getValueFrom().getSecretKeyRef().getName();
  }
}
