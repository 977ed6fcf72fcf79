package io.annals.k8s;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Each Kustomize directory of k8s/ rendered once per test run, shared by the test classes. */
final class Rendered {
  static final String BASE = "base";
  static final String DEV = "overlays/dev";
  static final String PRODUCTION = "overlays/production";
  static final List<String> ALL = List.of(BASE, DEV, PRODUCTION);

  /**
   * The Grafana dashboard's ConfigMap, applied apart from the nodes (see {@link DashboardTest}).
   */
  static final String DASHBOARDS = "dashboards";

  private static final Map<String, Manifests> MANIFESTS = new ConcurrentHashMap<>();
  private static final Map<String, NodeDeployment> NODES = new ConcurrentHashMap<>();
  private static Kubectl kubectl;

  private Rendered() {}

  static Manifests manifests(String dir) {
    return MANIFESTS.computeIfAbsent(
        dir, d -> Manifests.parse(d, kubectl().kustomize(k8sDir().resolve(d))));
  }

  static NodeDeployment node(String dir) {
    return NODES.computeIfAbsent(dir, d -> NodeDeployment.in(manifests(d)));
  }

  private static synchronized Kubectl kubectl() {
    if (kubectl == null) {
      Kubectl found = Kubectl.onPath();
      System.out.println("rendering k8s/ with " + found.version().replace('\n', ' '));
      kubectl = found;
    }
    return kubectl;
  }

  /** The k8s/ folder (surefire sets annals.k8s.dir; an IDE runs in the module folder). */
  static Path k8sDir() {
    return Path.of(System.getProperty("annals.k8s.dir", ".")).toAbsolutePath();
  }
}
