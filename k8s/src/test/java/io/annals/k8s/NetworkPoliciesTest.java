package io.annals.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Production's NetworkPolicies: everything in the namespace is denied unless a policy lets it
 * through; the API is open to the cluster, remoting and management only to members, CQL only to the
 * nodes, the schema Job and Reaper; the nodes may resolve names and reach the Kubernetes API.
 */
class NetworkPoliciesTest {
  private static final Map<String, String> NODES = Map.of("app", "annals");
  private static final Map<String, String> SCHEMA_JOB = Map.of("app", "annals-schema");
  private static final Map<String, String> REAPER = Map.of("app.kubernetes.io/name", "reaper");

  @Test
  void deniesEveryConnectionNoPolicyAllows() {
    NetworkPolicy deny = policy("default-deny");
    assertTrue(deny.getSpec().getPodSelector().getMatchLabels().isEmpty(), "selects every pod");
    assertEquals(List.of("Ingress", "Egress"), deny.getSpec().getPolicyTypes());
    assertTrue(deny.getSpec().getIngress().isEmpty() && deny.getSpec().getEgress().isEmpty());
  }

  @Test
  void givesEveryWorkloadOfTheOverlayAPolicyOfItsOwn() {
    Workloads.podTemplates(Rendered.manifests(Rendered.PRODUCTION))
        .forEach(
            (workload, pod) ->
                assertTrue(
                    policies().stream()
                        .filter(p -> !p.getMetadata().getName().equals("default-deny"))
                        .anyMatch(p -> selects(p.getSpec().getPodSelector(), pod)),
                    workload + " is cut off by default-deny"));
  }

  @Test
  void opensTheApiToTheClusterAndRemotingAndManagementOnlyToMembers() {
    NodeDeployment node = Rendered.node(Rendered.PRODUCTION);
    NetworkPolicy nodes = policySelecting(NODES);
    Set<String> open = new HashSet<>();
    for (NetworkPolicyIngressRule rule : nodes.getSpec().getIngress()) {
      Set<String> ports = portNames(rule.getPorts());
      if (rule.getFrom().isEmpty()) {
        assertEquals(Set.of("http"), ports, "open to any source");
      } else {
        assertEquals(List.of(NODES), podLabels(rule.getFrom()), "sources of " + ports);
      }
      ports.forEach(node::port); // each is a named port of the container
      open.addAll(ports);
    }
    assertEquals(Set.of("http", "remoting", "management"), open);
  }

  @Test
  void letsOnlyTheNodesTheSchemaJobAndReaperReachCql() {
    String cluster =
        Rendered.manifests(Rendered.PRODUCTION)
            .custom("K8ssandraCluster")
            .get(0)
            .getMetadata()
            .getName();
    NetworkPolicy cassandra = policySelecting(Map.of("cassandra.datastax.com/cluster", cluster));
    List<Map<String, String>> cql = new ArrayList<>();
    for (NetworkPolicyIngressRule rule : cassandra.getSpec().getIngress()) {
      assertFalse(rule.getFrom().isEmpty(), "a Cassandra port open to any source");
      if (portNumbers(rule.getPorts()).contains(9042)) {
        cql.addAll(podLabels(rule.getFrom()));
      }
    }
    assertEquals(Set.of(NODES, SCHEMA_JOB, REAPER), Set.copyOf(cql));
  }

  @Test
  void letsTheNodesReachMembersCassandraDnsAndTheKubernetesApiOnly() {
    Config config = Rendered.node(Rendered.PRODUCTION).config();
    Set<Integer> reached = new HashSet<>();
    for (NetworkPolicyEgressRule rule : policySelecting(NODES).getSpec().getEgress()) {
      reached.addAll(portNumbers(rule.getPorts()));
    }
    assertEquals(
        Set.of(
            config.getInt("pekko.remote.artery.canonical.port"),
            config.getInt("pekko.management.http.port"),
            9042,
            53,
            443,
            6443),
        reached);
    assertTrue(
        policySelecting(NODES).getSpec().getEgress().stream()
            .anyMatch(
                r ->
                    r.getPorts().stream()
                        .anyMatch(
                            p -> "UDP".equals(p.getProtocol()) && p.getPort().getIntVal() == 53)),
        "DNS over UDP");
  }

  @Test
  void letsTheSchemaJobOnlyReachCassandraAndDns() {
    NetworkPolicy job = policySelecting(SCHEMA_JOB);
    assertTrue(job.getSpec().getIngress().isEmpty(), "nothing reaches the Job");
    Set<Integer> reached = new HashSet<>();
    job.getSpec().getEgress().forEach(r -> reached.addAll(portNumbers(r.getPorts())));
    assertEquals(Set.of(9042, 53), reached);
  }

  private static List<NetworkPolicy> policies() {
    return Rendered.manifests(Rendered.PRODUCTION).all(NetworkPolicy.class);
  }

  private static NetworkPolicy policy(String name) {
    return Rendered.manifests(Rendered.PRODUCTION).named(NetworkPolicy.class, name);
  }

  /** The one policy whose pod selector is exactly these labels. */
  private static NetworkPolicy policySelecting(Map<String, String> labels) {
    List<NetworkPolicy> found =
        policies().stream()
            .filter(p -> labels.equals(p.getSpec().getPodSelector().getMatchLabels()))
            .toList();
    assertEquals(1, found.size(), "policies selecting " + labels);
    assertEquals(List.of("Ingress", "Egress"), found.get(0).getSpec().getPolicyTypes());
    return found.get(0);
  }

  private static boolean selects(LabelSelector selector, PodTemplateSpec pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return !selector.getMatchLabels().isEmpty()
        && selector.getMatchLabels().entrySet().stream()
            .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  /** The pod labels of each peer; a peer in another namespace or an IP block fails. */
  private static List<Map<String, String>> podLabels(List<NetworkPolicyPeer> peers) {
    List<Map<String, String>> labels = new ArrayList<>();
    for (NetworkPolicyPeer peer : peers) {
      if (peer.getNamespaceSelector() == null && peer.getIpBlock() == null) {
        labels.add(peer.getPodSelector().getMatchLabels());
      } else {
        labels.add(Map.of("outside the namespace", String.valueOf(peer)));
      }
    }
    return labels;
  }

  private static Set<String> portNames(List<NetworkPolicyPort> ports) {
    Set<String> names = new HashSet<>();
    ports.forEach(p -> names.add(p.getPort().getStrVal()));
    return names;
  }

  private static Set<Integer> portNumbers(List<NetworkPolicyPort> ports) {
    Set<Integer> numbers = new HashSet<>();
    for (NetworkPolicyPort port : ports) {
      IntOrString value = port.getPort();
      numbers.add(value.getIntVal());
    }
    return numbers;
  }
}
