package io.annals.k8s;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.LinkedHashMap;
import java.util.Map;

/** The pod templates of every workload of a rendering, by "Kind name". */
final class Workloads {
  private Workloads() {}

  static Map<String, PodTemplateSpec> podTemplates(Manifests manifests) {
    Map<String, PodTemplateSpec> pods = new LinkedHashMap<>();
    for (Deployment d : manifests.all(Deployment.class)) {
      pods.put(Manifests.describe(d), d.getSpec().getTemplate());
    }
    for (StatefulSet s : manifests.all(StatefulSet.class)) {
      pods.put(Manifests.describe(s), s.getSpec().getTemplate());
    }
    for (Job j : manifests.all(Job.class)) {
      pods.put(Manifests.describe(j), j.getSpec().getTemplate());
    }
    return pods;
  }
}
