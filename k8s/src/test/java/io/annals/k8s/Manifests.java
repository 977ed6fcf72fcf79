package io.annals.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The objects one Kustomize directory renders to, each parsed into its fabric8 model class (custom
 * resources into {@link GenericKubernetesResource}), with look-ups by kind and name and the
 * environment a container would get.
 */
final class Manifests {
  /** The pod IP a fieldRef to status.podIP stands for, here. */
  static final String POD_IP = "10.1.2.3";

  private static final ObjectMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();
  final String dir;
  final List<HasMetadata> objects;

  private Manifests(String dir, List<HasMetadata> objects) {
    this.dir = dir;
    this.objects = List.copyOf(objects);
  }

  /** Parses kubectl kustomize's YAML; fails on an object the fabric8 model cannot read. */
  static Manifests parse(String dir, String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc == null || doc.isNull() || doc.isEmpty()) {
          continue;
        }
        String what = dir + ": " + doc.path("kind").asText() + " " + doc.at("/metadata/name");
        try {
          // KubernetesResource is deserialized by kind and apiVersion into the model class.
          objects.add((HasMetadata) JSON.treeToValue(doc, KubernetesResource.class));
        } catch (IOException | IllegalArgumentException e) {
          fail(what + " does not fit the Kubernetes model: " + e.getMessage(), e);
        }
      }
    } catch (IOException e) {
      fail(dir + ": kubectl kustomize printed YAML that does not parse: " + e.getMessage(), e);
    }
    return new Manifests(dir, objects);
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The only object of this type and name. */
  <T extends HasMetadata> T named(Class<T> type, String name) {
    List<T> found = all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).toList();
    assertEquals(1, found.size(), () -> dir + ": " + type.getSimpleName() + " " + name + " count");
    return found.get(0);
  }

  /** The custom resources of this kind (no fabric8 model class). */
  List<GenericKubernetesResource> custom(String kind) {
    return all(GenericKubernetesResource.class).stream()
        .filter(r -> kind.equals(r.getKind()))
        .toList();
  }

  /** A ConfigMap by the name a pod refers to it with (the generated name, hash suffix included). */
  ConfigMap configMap(String name) {
    return named(ConfigMap.class, name);
  }

  /** The generated ConfigMap whose name before the hash suffix is {@code generatorName}. */
  ConfigMap generated(String generatorName) {
    List<ConfigMap> found =
        all(ConfigMap.class).stream()
            .filter(c -> c.getMetadata().getName().matches(generatorName + "-[a-z0-9]{10}"))
            .toList();
    assertEquals(1, found.size(), () -> dir + ": ConfigMaps generated as " + generatorName);
    return found.get(0);
  }

  Deployment annalsDeployment() {
    return named(Deployment.class, "annals");
  }

  static Container container(PodSpec pod, String name) {
    return pod.getContainers().stream()
        .filter(c -> name.equals(c.getName()))
        .findFirst()
        .orElseGet(() -> fail("no container " + name + " in " + pod.getContainers()));
  }

  /**
   * The environment a container of {@code owner}'s pods starts with: envFrom ConfigMaps first, then
   * env (which wins), with fieldRefs resolved to {@link #POD_IP} and the namespace.
   */
  Map<String, String> environment(HasMetadata owner, Container container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : container.getEnvFrom()) {
      if (from.getConfigMapRef() == null) {
        fail(dir + ": " + container.getName() + " takes its environment from " + from);
      }
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      configMap(from.getConfigMapRef().getName())
          .getData()
          .forEach((key, value) -> env.put(prefix + key, value));
    }
    for (EnvVar var : container.getEnv()) {
      env.put(var.getName(), var.getValueFrom() == null ? var.getValue() : value(owner, var));
    }
    return env;
  }

  private String value(HasMetadata owner, EnvVar var) {
    EnvVarSource from = var.getValueFrom();
    if (from.getFieldRef() != null) {
      return switch (from.getFieldRef().getFieldPath()) {
        case "status.podIP" -> POD_IP;
        case "metadata.namespace" -> namespace(owner);
        default -> "<" + from.getFieldRef().getFieldPath() + ">";
      };
    }
    if (from.getConfigMapKeyRef() != null) {
      return configMap(from.getConfigMapKeyRef().getName())
          .getData()
          .get(from.getConfigMapKeyRef().getKey());
    }
    return "<" + var.getName() + " from a secret or resource>";
  }

  static String namespace(HasMetadata object) {
    String ns = object.getMetadata().getNamespace();
    return ns == null ? "default" : ns;
  }

  static String describe(HasMetadata object) {
    return object.getKind() + " " + object.getMetadata().getName();
  }
}
