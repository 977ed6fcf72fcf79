package io.annals.k8s;

import static java.util.stream.Collectors.toSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The base and both overlays, rendered with {@code kubectl kustomize}: every object fits the
 * Kubernetes model, the Deployment, Service and PodDisruptionBudget select the same pods, the ports
 * and probes are the ones the node's configuration ({@code kubernetes.conf} resolved with the pod's
 * environment) listens on, the environment holds only variables the configuration reads, and the
 * pods are sized and stopped the way the node needs; the service account may read pods and take the
 * split brain lease, and nothing else. What differs between dev and production: {@link
 * OverlaysTest}.
 */
class K8sManifestsTest {
  /** Custom resources the manifests may hold (no fabric8 model), by kind and apiVersion. */
  private static final Map<String, String> CUSTOM_KINDS =
      Map.of(
          "K8ssandraCluster", "k8ssandra.io/v1alpha1",
          "Lease", "pekko.apache.org/v1",
          "Certificate", "cert-manager.io/v1",
          "Issuer", "cert-manager.io/v1");

  /** The variables the kubernetes environment of the node is operated by (docs/operations.md). */
  private static final Set<String> KUBERNETES_VARIABLES =
      Set.of(
          "ANNALS_HTTP_INTERFACE",
          "ANNALS_HTTP_PORT",
          "ANNALS_MANAGEMENT_HOST",
          "ANNALS_MANAGEMENT_PORT",
          "ANNALS_REMOTE_HOST",
          "ANNALS_REMOTE_PORT",
          "ANNALS_CASSANDRA_CONTACT_POINTS",
          "ANNALS_CASSANDRA_DATACENTER",
          "ANNALS_JOURNAL_KEYSPACE",
          "ANNALS_SNAPSHOT_KEYSPACE",
          "ANNALS_REPLICATION_FACTOR",
          "ANNALS_SCHEMA_AUTOCREATE",
          "ANNALS_REQUIRED_CONTACT_POINTS",
          "ANNALS_CASSANDRA_CONSISTENCY",
          "ANNALS_AUTHENTICATION",
          "ANNALS_API_KEY_FILE",
          "ANNALS_ALLOW_ANONYMOUS",
          "ANNALS_POD_NAMESPACE");

  private static final String LEASE_CRD = "leases.pekko.apache.org";

  /** Read by the JVM, not by the configuration. */
  private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");

  @InEveryKustomization
  void rendersOnlyObjectsWithoutUnknownFields(String dir) {
    Manifests manifests = Rendered.manifests(dir);
    List<String> unknown = new ArrayList<>();
    for (HasMetadata object : manifests.objects) {
      UnknownFields.in(object).forEach(field -> unknown.add(describe(object) + ": " + field));
    }
    assertTrue(
        unknown.isEmpty(), () -> dir + ": fields the Kubernetes model does not know: " + unknown);
    assertFalse(manifests.objects.isEmpty(), dir + " renders no object");
  }

  @InEveryKustomization
  void rendersCustomResourcesOnlyOfKnownKinds(String dir) {
    for (GenericKubernetesResource custom :
        Rendered.manifests(dir).all(GenericKubernetesResource.class)) {
      String what = dir + ": " + describe(custom) + " (" + custom.getApiVersion() + ")";
      assertEquals(
          CUSTOM_KINDS.get(custom.getKind()), custom.getApiVersion(), what + " is unexpected");
      assertNotNull(custom.getMetadata(), what + " has no metadata");
      assertNotNull(custom.getMetadata().getName(), what + " has no name");
    }
  }

  @InEveryKustomization
  void selectsTheNodePodsFromDeploymentServiceAndDisruptionBudget(String dir) {
    NodeDeployment node = Rendered.node(dir);
    Map<String, String> pods = node.podLabels();
    assertEquals("annals", pods.get("app"), node.where() + " pod label app");
    assertEquals(
        "annals", pods.get("actorSystemName"), node.where() + " pod label actorSystemName");
    assertSelects(node.deployment().getSpec().getSelector().getMatchLabels(), pods, node.where());

    Service service = node.manifests().named(Service.class, "annals");
    assertSelects(service.getSpec().getSelector(), pods, dir + ": Service annals");
    PodDisruptionBudget budget = node.manifests().named(PodDisruptionBudget.class, "annals");
    assertSelects(budget.getSpec().getSelector().getMatchLabels(), pods, dir + ": PDB annals");
    assertEquals(1, budget.getSpec().getMaxUnavailable().getIntVal(), dir + ": PDB maxUnavailable");
    // ...and no other pods: a Cassandra pod behind the API's Service would get its requests.
    Workloads.podTemplates(node.manifests())
        .forEach(
            (workload, template) -> {
              boolean selected =
                  service.getSpec().getSelector().entrySet().stream()
                      .allMatch(
                          e ->
                              e.getValue()
                                  .equals(template.getMetadata().getLabels().get(e.getKey())));
              assertEquals(
                  workload.equals("Deployment annals"),
                  selected,
                  dir + ": Service annals vs " + workload);
            });
  }

  @InEveryKustomization
  void pointsTheServiceAtTheNamedHttpPort(String dir) {
    NodeDeployment node = Rendered.node(dir);
    Service service = node.manifests().named(Service.class, "annals");
    assertEquals("ClusterIP", service.getSpec().getType(), dir + ": Service annals type");
    for (ServicePort port : service.getSpec().getPorts()) {
      String target = port.getTargetPort().getStrVal();
      assertNotNull(target, dir + ": Service annals port " + port.getName() + " targets a number");
      node.port(target);
    }
    assertTrue(
        service.getSpec().getPorts().stream()
            .anyMatch(p -> "http".equals(p.getTargetPort().getStrVal())),
        dir + ": Service annals does not target the port http");
  }

  @InEveryKustomization
  void exposesThePortsTheNodeConfigurationBinds(String dir) {
    NodeDeployment node = Rendered.node(dir);
    Config c = node.config();
    assertEquals(c.getInt("annals.http.port"), node.port("http"), node.where() + " http");
    assertEquals(c.getInt("pekko.management.http.port"), node.port("management"), node.where());
    assertEquals(
        c.getInt("pekko.remote.artery.canonical.port"), node.port("remoting"), node.where());
    assertEquals("0.0.0.0", c.getString("annals.http.interface"), node.where() + " binds the API");
    // Other members and bootstrap reach this node at its pod IP (fieldRef status.podIP).
    assertEquals(Manifests.POD_IP, c.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals(Manifests.POD_IP, c.getString("pekko.management.http.hostname"));
  }

  @InEveryKustomization
  void probesReadyAndAliveOnTheManagementPort(String dir) {
    NodeDeployment node = Rendered.node(dir);
    Container container = node.container();
    assertProbe(container.getReadinessProbe(), "/ready", node.where() + " readinessProbe");
    assertProbe(container.getLivenessProbe(), "/alive", node.where() + " livenessProbe");
    if (container.getStartupProbe() != null) {
      assertProbe(container.getStartupProbe(), "/alive", node.where() + " startupProbe");
    }
  }

  @InEveryKustomization
  void bootstrapsFromThePodsItLabelsAndThePortItNames(String dir) {
    NodeDeployment node = Rendered.node(dir);
    Config discovery =
        node.config().getConfig("pekko.management.cluster.bootstrap.contact-point-discovery");
    assertEquals("kubernetes-api", discovery.getString("discovery-method"), node.where());
    String selector =
        node.config()
            .getString("pekko.discovery.kubernetes-api.pod-label-selector")
            .formatted(discovery.getString("service-name"));
    for (String term : selector.split(",")) {
      String[] keyValue = term.split("=", 2);
      assertEquals(
          keyValue[1], node.podLabels().get(keyValue[0]), node.where() + " vs " + selector);
    }
    node.port(discovery.getString("port-name"));
    // A first deployment forms its cluster only once this many pods are up: all of them.
    assertEquals(
        node.deployment().getSpec().getReplicas(),
        discovery.getInt("required-contact-point-nr"),
        node.where() + " replicas vs required contact points");
    String namespace = Manifests.namespace(node.deployment());
    assertEquals(
        namespace, node.config().getString("pekko.discovery.kubernetes-api.pod-namespace"));
    assertEquals(
        namespace, node.config().getString("pekko.coordination.lease.kubernetes.namespace"));
  }

  @InEveryKustomization
  void setsOnlyVariablesTheNodeConfigurationReads(String dir) {
    NodeDeployment node = Rendered.node(dir);
    Set<String> read = NodeConfig.variables(NodeDeployment.CONFIG_RESOURCE);
    Set<String> unread = new TreeSet<>(node.environment().keySet());
    unread.removeAll(read);
    unread.removeAll(JVM_VARIABLES);
    assertTrue(
        unread.isEmpty(),
        () -> node.where() + " sets " + unread + ", which no ${?NAME} of the configuration reads");
  }

  @InEveryKustomization
  void setsEveryVariableOfTheKubernetesEnvironment(String dir) {
    NodeDeployment node = Rendered.node(dir);
    Set<String> missing = new TreeSet<>(KUBERNETES_VARIABLES);
    missing.removeAll(node.environment().keySet());
    assertTrue(missing.isEmpty(), () -> node.where() + " does not set " + missing);
  }

  @InEveryKustomization
  void startsTheNodeWithTheKubernetesConfigurationAndAHeapSizedFromTheLimit(String dir) {
    NodeDeployment node = Rendered.node(dir);
    assertEquals(
        List.of(
            "java",
            "-Dconfig.resource=" + NodeDeployment.CONFIG_RESOURCE,
            "-jar",
            "/opt/annals/annals-node.jar",
            "run"),
        node.container().getCommand(),
        node.where() + " command");
    String options = node.environment().getOrDefault("JAVA_TOOL_OPTIONS", "");
    assertTrue(options.contains("-XX:InitialRAMPercentage="), node.where() + ": " + options);
    assertTrue(options.contains("-XX:MaxRAMPercentage="), node.where() + ": " + options);
  }

  @InEveryKustomization
  void outlastsTheNodesShutdownBeforeTheKill(String dir) {
    NodeDeployment node = Rendered.node(dir);
    List<String> preStop = node.container().getLifecycle().getPreStop().getExec().getCommand();
    assertEquals("sleep", preStop.get(0), node.where() + " preStop " + preStop);
    long sleep = Long.parseLong(preStop.get(1));
    Config c = node.config();
    long drain = c.getDuration("annals.http.drain-timeout").toSeconds();
    long handoff =
        c.getDuration("pekko.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout")
            .toSeconds();
    long grace = node.pod().getTerminationGracePeriodSeconds();
    assertTrue(
        grace > sleep + drain + handoff,
        () ->
            node.where()
                + " terminationGracePeriodSeconds "
                + grace
                + " does not exceed preStop "
                + sleep
                + " s + drain "
                + drain
                + " s + shard handoff "
                + handoff
                + " s");
  }

  @InEveryKustomization
  void rollsOutOneNewPodBeforeStoppingAnOldOne(String dir) {
    NodeDeployment node = Rendered.node(dir);
    assertEquals("RollingUpdate", node.deployment().getSpec().getStrategy().getType());
    RollingUpdateDeployment rolling = node.deployment().getSpec().getStrategy().getRollingUpdate();
    assertEquals(1, rolling.getMaxSurge().getIntVal(), node.where() + " maxSurge");
    assertEquals(0, rolling.getMaxUnavailable().getIntVal(), node.where() + " maxUnavailable");
  }

  @InEveryKustomization
  void limitsMemoryToTheRequestAndNeverCpu(String dir) {
    for (Map.Entry<String, PodTemplateSpec> pod :
        Workloads.podTemplates(Rendered.manifests(dir)).entrySet()) {
      for (Container c : pod.getValue().getSpec().getContainers()) {
        String what = dir + ": " + pod.getKey() + " container " + c.getName();
        Map<String, Quantity> limits = c.getResources().getLimits();
        Map<String, Quantity> requests = c.getResources().getRequests();
        assertNotNull(limits.get("memory"), what + " has no memory limit");
        assertEquals(
            0,
            Quantity.getAmountInBytes(limits.get("memory"))
                .compareTo(Quantity.getAmountInBytes(requests.get("memory"))),
            what
                + " memory limit "
                + limits.get("memory")
                + " vs request "
                + requests.get("memory"));
        assertNull(limits.get("cpu"), what + " has a CPU limit");
      }
    }
  }

  @InEveryKustomization
  void pinsEveryImageToATag(String dir) {
    for (Map.Entry<String, PodTemplateSpec> pod :
        Workloads.podTemplates(Rendered.manifests(dir)).entrySet()) {
      for (Container c : pod.getValue().getSpec().getContainers()) {
        String image = c.getImage();
        String tag = image.substring(image.lastIndexOf('/') + 1);
        assertTrue(
            tag.contains(":") && !tag.endsWith(":latest"),
            dir + ": " + pod.getKey() + " runs " + image + " without a fixed tag");
      }
    }
  }

  @InEveryKustomization
  void grantsOnlyPodReadingAndTheSplitBrainLease(String dir) {
    Manifests manifests = Rendered.manifests(dir);
    assertTrue(manifests.all(ClusterRole.class).isEmpty(), dir + " defines a ClusterRole");
    assertTrue(manifests.all(ClusterRoleBinding.class).isEmpty(), dir + " binds a ClusterRole");
    assertEquals(
        Set.of("pod-reader", "lease-access"),
        manifests.all(Role.class).stream().map(r -> r.getMetadata().getName()).collect(toSet()),
        dir + ": Roles");
    assertGrants(
        manifests.named(Role.class, "pod-reader"), "", "pods", Set.of("get", "watch", "list"));
    CustomResourceDefinitionSpec lease =
        manifests.named(CustomResourceDefinition.class, LEASE_CRD).getSpec();
    assertGrants(
        manifests.named(Role.class, "lease-access"),
        lease.getGroup(),
        lease.getNames().getPlural(),
        Set.of("get", "create", "update", "list"));
  }

  @InEveryKustomization
  void bindsEachRoleToTheNodesServiceAccount(String dir) {
    NodeDeployment node = Rendered.node(dir);
    String account = node.pod().getServiceAccountName();
    assertEquals("annals", account, node.where() + " serviceAccountName");
    node.manifests().named(ServiceAccount.class, account);
    for (Role role : node.manifests().all(Role.class)) {
      String name = role.getMetadata().getName();
      List<RoleBinding> bindings =
          node.manifests().all(RoleBinding.class).stream()
              .filter(b -> name.equals(b.getRoleRef().getName()))
              .toList();
      assertEquals(1, bindings.size(), dir + ": RoleBindings of Role " + name);
      RoleBinding binding = bindings.get(0);
      assertEquals("Role", binding.getRoleRef().getKind(), describe(binding));
      assertEquals(
          "rbac.authorization.k8s.io", binding.getRoleRef().getApiGroup(), describe(binding));
      assertEquals(1, binding.getSubjects().size(), describe(binding) + " subjects");
      Subject subject = binding.getSubjects().get(0);
      assertEquals("ServiceAccount", subject.getKind(), describe(binding));
      assertEquals(account, subject.getName(), describe(binding));
      assertEquals(node.deployment().getMetadata().getNamespace(), subject.getNamespace());
    }
  }

  @InEveryKustomization
  void definesTheLeaseTypeOfPekkoLeaseKubernetes(String dir) {
    CustomResourceDefinitionSpec spec =
        Rendered.manifests(dir).named(CustomResourceDefinition.class, LEASE_CRD).getSpec();
    assertEquals("pekko.apache.org", spec.getGroup());
    assertEquals("Lease", spec.getNames().getKind());
    assertEquals("leases", spec.getNames().getPlural());
    assertEquals("Namespaced", spec.getScope());
    assertEquals(1, spec.getVersions().size(), dir + ": " + LEASE_CRD + " versions");
    CustomResourceDefinitionVersion v1 = spec.getVersions().get(0);
    assertEquals("v1", v1.getName());
    assertTrue(v1.getServed() && v1.getStorage(), dir + ": v1 served and stored");
    Map<String, JSONSchemaProps> fields =
        v1.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getProperties();
    assertEquals("string", fields.get("owner").getType(), dir + ": spec.owner");
    assertEquals("integer", fields.get("time").getType(), dir + ": spec.time");
    // The split brain resolver takes this lease in the kubernetes environment.
    Config sbr = Rendered.node(dir).config().getConfig("pekko.cluster.split-brain-resolver");
    assertEquals("lease-majority", sbr.getString("active-strategy"));
    assertEquals(
        "pekko.coordination.lease.kubernetes",
        sbr.getString("lease-majority.lease-implementation"));
  }

  private static void assertSelects(
      Map<String, String> selector, Map<String, String> pods, String what) {
    assertFalse(selector == null || selector.isEmpty(), what + " has an empty selector");
    selector.forEach(
        (key, value) -> assertEquals(value, pods.get(key), what + " selects " + key + "=" + value));
  }

  private static void assertProbe(Probe probe, String path, String what) {
    assertNotNull(probe, what + " is missing");
    HTTPGetAction get = probe.getHttpGet();
    assertNotNull(get, what + " is not an httpGet");
    assertEquals(path, get.getPath(), what + " path");
    assertEquals("management", get.getPort().getStrVal(), what + " port");
  }

  private static void assertGrants(Role role, String group, String resource, Set<String> verbs) {
    String what = describe(role);
    assertEquals(1, role.getRules().size(), what + " rules " + role.getRules());
    PolicyRule rule = role.getRules().get(0);
    assertEquals(List.of(group), rule.getApiGroups(), what + " apiGroups");
    assertEquals(List.of(resource), rule.getResources(), what + " resources");
    assertEquals(verbs, Set.copyOf(rule.getVerbs()), what + " verbs");
    assertTrue(rule.getResourceNames().isEmpty(), what + " resourceNames");
    assertTrue(rule.getNonResourceURLs().isEmpty(), what + " nonResourceURLs");
  }

  private static String describe(HasMetadata object) {
    return Manifests.describe(object);
  }
}
