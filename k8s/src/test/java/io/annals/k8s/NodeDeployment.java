package io.annals.k8s;

import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;

/**
 * The Annals Deployment of one rendering: its pods' labels, the node container, the environment
 * that container starts with, and the node configuration that environment resolves to.
 */
record NodeDeployment(
    Manifests manifests,
    Deployment deployment,
    Container container,
    Map<String, String> environment,
    Config config) {
  /** The environment file the container chooses with -Dconfig.resource. */
  static final String CONFIG_RESOURCE = "kubernetes.conf";

  static NodeDeployment in(Manifests manifests) {
    Deployment deployment = manifests.annalsDeployment();
    Container container =
        Manifests.container(deployment.getSpec().getTemplate().getSpec(), "annals");
    Map<String, String> env = manifests.environment(deployment, container);
    return new NodeDeployment(
        manifests, deployment, container, env, NodeConfig.resolved(CONFIG_RESOURCE, env));
  }

  PodSpec pod() {
    return deployment.getSpec().getTemplate().getSpec();
  }

  Map<String, String> podLabels() {
    return deployment.getSpec().getTemplate().getMetadata().getLabels();
  }

  /** The container port of this name. */
  int port(String name) {
    return container.getPorts().stream()
        .filter(p -> name.equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElseGet(() -> fail(where() + " has no container port named " + name));
  }

  String where() {
    return manifests.dir + ": Deployment " + deployment.getMetadata().getName();
  }
}
