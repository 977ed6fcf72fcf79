package io.annals.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard {@code dashboards/annals.json}, rendered with {@code kubectl kustomize
 * dashboards}: one ConfigMap under a fixed name with the label Grafana's dashboard sidecar watches,
 * holding the file unchanged; the file a Grafana dashboard whose panels query the Prometheus data
 * source chosen in its {@code datasource} variable and do not overlap. That every metric it queries
 * is one a node exports is checked against a running node by the node module's {@code MetricsIT}.
 */
class DashboardTest {
  private static final String FILE = "annals.json";
  private static final String DATASOURCE = "${datasource}";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void rendersTheDashboardAsOneConfigMapForGrafanasSidecar() throws IOException {
    Manifests manifests = Rendered.manifests(Rendered.DASHBOARDS);
    assertEquals(1, manifests.objects.size(), "dashboards renders " + manifests.objects);
    ConfigMap map = manifests.named(ConfigMap.class, "annals-dashboard");
    assertEquals("1", map.getMetadata().getLabels().get("grafana_dashboard"), "sidecar label");
    assertEquals(Set.of(FILE), map.getData().keySet(), "ConfigMap keys");
    assertEquals(Files.readString(file()), map.getData().get(FILE), "the ConfigMap's " + FILE);
    assertTrue(UnknownFields.in(map).isEmpty(), () -> "unknown fields " + UnknownFields.in(map));
  }

  @Test
  void choosesItsPrometheusDataSourceInAVariable() {
    JsonNode dashboard = dashboard();
    assertFalse(dashboard.path("uid").asText().isEmpty(), "the dashboard has a uid");
    assertFalse(dashboard.path("title").asText().isEmpty(), "the dashboard has a title");
    JsonNode variable = variable(dashboard, "datasource");
    assertEquals("datasource", variable.path("type").asText(), "the datasource variable's type");
    assertEquals("prometheus", variable.path("query").asText(), "the datasource variable's query");
  }

  @Test
  void queriesTheChosenDataSourceFromEveryPanel() {
    List<JsonNode> panels = panels(dashboard());
    assertFalse(panels.isEmpty(), "the dashboard has panels");
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : panels) {
      String what = "panel " + panel.path("id") + " \"" + panel.path("title").asText() + "\"";
      assertTrue(ids.add(panel.path("id").asInt()), what + ": id used twice");
      assertEquals(DATASOURCE, panel.at("/datasource/uid").asText(), what + " datasource");
      assertFalse(panel.path("targets").isEmpty(), what + " has no query");
      Set<String> refIds = new HashSet<>();
      for (JsonNode target : panel.path("targets")) {
        assertEquals(DATASOURCE, target.at("/datasource/uid").asText(), what + " query datasource");
        assertTrue(refIds.add(target.path("refId").asText()), what + ": refId used twice");
        assertFalse(target.path("expr").asText().isBlank(), what + ": a query without expr");
      }
    }
  }

  @Test
  void laysOutPanelsWithinTheGridWithoutOverlap() {
    List<int[]> boxes = new ArrayList<>();
    for (JsonNode panel : dashboard().path("panels")) { // rows included
      JsonNode g = panel.path("gridPos");
      int[] box = {
        g.path("x").asInt(), g.path("y").asInt(), g.path("w").asInt(), g.path("h").asInt()
      };
      String what = "panel \"" + panel.path("title").asText() + "\" at " + g;
      assertTrue(box[2] > 0 && box[3] > 0 && box[0] >= 0 && box[0] + box[2] <= 24, what);
      for (int[] other : boxes) {
        boolean apart =
            box[0] >= other[0] + other[2]
                || other[0] >= box[0] + box[2]
                || box[1] >= other[1] + other[3]
                || other[1] >= box[1] + box[3];
        assertTrue(apart, what + " overlaps another panel");
      }
      boxes.add(box);
    }
  }

  private static Path file() {
    return Rendered.k8sDir().resolve(Rendered.DASHBOARDS).resolve(FILE);
  }

  private static JsonNode dashboard() {
    try {
      return JSON.readTree(file().toFile());
    } catch (IOException e) {
      return fail(file() + " is not JSON: " + e.getMessage(), e);
    }
  }

  /** The panels that query (rows excluded; the dashboard keeps its rows expanded, panels flat). */
  private static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    dashboard
        .path("panels")
        .forEach(
            p -> {
              if (!"row".equals(p.path("type").asText())) {
                panels.add(p);
              }
            });
    return panels;
  }

  private static JsonNode variable(JsonNode dashboard, String name) {
    for (JsonNode v : dashboard.at("/templating/list")) {
      if (name.equals(v.path("name").asText())) {
        return v;
      }
    }
    return fail("the dashboard has no variable " + name);
  }
}
