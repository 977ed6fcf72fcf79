package io.annals.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What the two overlays change: dev runs one node on a one-node Cassandra StatefulSet and lets the
 * node create its keyspaces; production runs three nodes on a K8ssandra cluster of three racks, at
 * QUORUM, on keyspaces replicated three times that a Job creates with the tables the node's
 * persistence plugin expects.
 */
class OverlaysTest {
  private static final Pattern KEYSPACE =
      Pattern.compile(
          "CREATE KEYSPACE IF NOT EXISTS (\\w+)\\s+WITH replication = "
              + "\\{'class': 'NetworkTopologyStrategy', '(\\w+)': (\\d+)}");
  private static final Pattern TABLE =
      Pattern.compile("CREATE TABLE IF NOT EXISTS (\\w+)\\.(\\w+)");

  @Test
  void configuresTheDevNodeForOneNodeClusterAndOneCassandraReplica() {
    NodeDeployment node = Rendered.node(Rendered.DEV);
    assertEquals(1, node.deployment().getSpec().getReplicas(), node.where() + " replicas");
    assertPersistence(node.config(), 1, true, "ONE");
  }

  @Test
  void runsTheDevCassandraAsOneStatefulPodOnItsOwnVolume() {
    StatefulSet cassandra = Rendered.manifests(Rendered.DEV).named(StatefulSet.class, "cassandra");
    assertEquals(1, cassandra.getSpec().getReplicas(), "dev Cassandra replicas");
    Container server =
        Manifests.container(cassandra.getSpec().getTemplate().getSpec(), "cassandra");
    assertEquals("cassandra:5.0", server.getImage());
    List<PersistentVolumeClaim> claims = cassandra.getSpec().getVolumeClaimTemplates();
    assertEquals(1, claims.size(), "dev Cassandra volumeClaimTemplates");
    String claim = claims.get(0).getMetadata().getName();
    assertTrue(
        server.getVolumeMounts().stream()
            .anyMatch(
                m -> claim.equals(m.getName()) && "/var/lib/cassandra".equals(m.getMountPath())),
        "the claim " + claim + " is not mounted at /var/lib/cassandra");
    String readiness = String.join(" ", server.getReadinessProbe().getExec().getCommand());
    assertTrue(readiness.contains("cqlsh") || readiness.contains("nodetool"), readiness);
  }

  @Test
  void reachesTheDevCassandraThroughItsHeadlessService() {
    Manifests dev = Rendered.manifests(Rendered.DEV);
    StatefulSet cassandra = dev.named(StatefulSet.class, "cassandra");
    Service service = dev.named(Service.class, cassandra.getSpec().getServiceName());
    assertEquals("None", service.getSpec().getClusterIP(), "the cassandra Service is headless");
    Map<String, String> pods = cassandra.getSpec().getTemplate().getMetadata().getLabels();
    service.getSpec().getSelector().forEach((k, v) -> assertEquals(v, pods.get(k), "selects " + k));
    assertEquals(
        service.getMetadata().getName() + ":" + service.getSpec().getPorts().get(0).getPort(),
        Rendered.node(Rendered.DEV).config().getString("annals.cassandra.contact-points"));
  }

  @Test
  void configuresProductionNodesForQuorumOnThreeReplicas() {
    NodeDeployment node = Rendered.node(Rendered.PRODUCTION);
    assertEquals(3, node.deployment().getSpec().getReplicas(), node.where() + " replicas");
    assertPersistence(node.config(), 3, false, "QUORUM");
  }

  @Test
  void runsProductionCassandraAsOneK8ssandraDatacenterOfThreeRacks() {
    Manifests production = Rendered.manifests(Rendered.PRODUCTION);
    List<GenericKubernetesResource> clusters = production.custom("K8ssandraCluster");
    assertEquals(1, clusters.size(), "K8ssandraClusters in production");
    GenericKubernetesResource cluster = clusters.get(0);
    assertEquals("k8ssandra.io/v1alpha1", cluster.getApiVersion());
    String version = cluster.get("spec", "cassandra", "serverVersion");
    assertTrue(version != null && version.matches("5\\.0\\.\\d+"), "serverVersion " + version);
    List<Map<String, Object>> datacenters = cluster.get("spec", "cassandra", "datacenters");
    assertEquals(1, datacenters.size(), "datacenters");
    Map<String, Object> dc = datacenters.get(0);
    assertEquals(3, ((Number) dc.get("size")).intValue(), "datacenter size");
    List<Map<String, Object>> racks = cluster.get("spec", "cassandra", "datacenters", 0, "racks");
    assertEquals(3, racks.stream().map(r -> r.get("name")).distinct().count(), "racks " + racks);
    Object storage =
        GenericKubernetesResource.get(
            dc,
            "storageConfig",
            "cassandraDataVolumeClaimSpec",
            "resources",
            "requests",
            "storage");
    assertNotNull(storage, "the datacenter requests no storage");

    // The nodes reach the datacenter's Service (<cluster>-<datacenter>-service) as its datacenter.
    String dcName = GenericKubernetesResource.get(dc, "metadata", "name");
    Config config = Rendered.node(Rendered.PRODUCTION).config();
    int replication = config.getInt("pekko.persistence.cassandra.journal.replication-factor");
    assertTrue(replication <= ((Number) dc.get("size")).intValue(), "more replicas than nodes");
    assertEquals(
        cluster.getMetadata().getName() + "-" + dcName + "-service:9042",
        config.getString("annals.cassandra.contact-points"));
    assertEquals(
        dcName,
        config.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter"));
  }

  @Test
  void createsTheProductionSchemaTheNodesPersistenceUses() {
    Manifests production = Rendered.manifests(Rendered.PRODUCTION);
    Config config = Rendered.node(Rendered.PRODUCTION).config();
    String cql = schema(production);
    Config journal = config.getConfig("pekko.persistence.cassandra.journal");
    Config snapshot = config.getConfig("pekko.persistence.cassandra.snapshot");
    String dc =
        config.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter");

    Matcher keyspaces = KEYSPACE.matcher(cql);
    Set<String> created = new TreeSet<>();
    while (keyspaces.find()) {
      created.add(keyspaces.group(1));
      assertEquals(dc, keyspaces.group(2), "datacenter of keyspace " + keyspaces.group(1));
      assertEquals(journal.getInt("replication-factor"), Integer.parseInt(keyspaces.group(3)));
    }
    assertEquals(Set.of(journal.getString("keyspace"), snapshot.getString("keyspace")), created);

    Set<String> tables =
        TABLE
            .matcher(cql)
            .results()
            .map(m -> m.group(1) + "." + m.group(2))
            .collect(Collectors.toSet());
    String ks = journal.getString("keyspace");
    assertEquals(
        Set.of(
            ks + "." + journal.getString("table"),
            ks + "." + journal.getString("metadata-table"),
            ks + "." + journal.getString("all-persistence-ids-table"),
            ks + ".api_keys",
            snapshot.getString("keyspace") + "." + snapshot.getString("table")),
        tables);
  }

  @Test
  void runsTheSchemaJobAgainstTheNodesContactPoints() {
    Manifests production = Rendered.manifests(Rendered.PRODUCTION);
    Job job = production.named(Job.class, "annals-schema");
    var pod = job.getSpec().getTemplate().getSpec();
    String schemaMap = production.generated("annals-schema").getMetadata().getName();
    assertTrue(
        pod.getVolumes().stream()
            .anyMatch(
                v -> v.getConfigMap() != null && schemaMap.equals(v.getConfigMap().getName())),
        "the Job does not mount " + schemaMap);
    Container cqlsh = pod.getContainers().get(0);
    Map<String, String> env = production.environment(job, cqlsh);
    assertEquals(
        Rendered.node(Rendered.PRODUCTION).environment().get("ANNALS_CASSANDRA_CONTACT_POINTS"),
        env.get("ANNALS_CASSANDRA_CONTACT_POINTS"));
    assertFalse(String.join(" ", cqlsh.getArgs()).isBlank(), "the Job runs no script");
  }

  private static String schema(Manifests production) {
    ConfigMap schema = production.generated("annals-schema");
    String cql = schema.getData().get("annals-schema.cql");
    assertNotNull(cql, "annals-schema has no annals-schema.cql");
    return cql;
  }

  /** Replication of auto-created keyspaces, schema auto-creation, consistency of the journal. */
  private static void assertPersistence(
      Config config, int replication, boolean autocreate, String consistency) {
    Config cassandra = config.getConfig("pekko.persistence.cassandra");
    for (String store : List.of("journal", "snapshot")) {
      assertEquals(replication, cassandra.getInt(store + ".replication-factor"), store);
      assertEquals(autocreate, cassandra.getBoolean(store + ".keyspace-autocreate"), store);
      assertEquals(autocreate, cassandra.getBoolean(store + ".tables-autocreate"), store);
    }
    Config profiles = config.getConfig("datastax-java-driver.profiles");
    for (String profile :
        List.of(
            "pekko-persistence-cassandra-profile",
            "pekko-persistence-cassandra-snapshot-profile")) {
      assertEquals(
          consistency, profiles.getString(profile + ".basic.request.consistency"), profile);
    }
  }
}
