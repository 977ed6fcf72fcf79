package io.annals.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names the PromQL queries ({@code expr}) of a Grafana dashboard read: what is left of
 * each query once strings, label matchers, ranges, grouping label lists and Grafana variables are
 * taken out, without function names (followed by a parenthesis) and PromQL keywords.
 */
final class DashboardQueries {
  /** The dashboard in k8s/ (the ITs run in the node module's folder). */
  static final Path ANNALS =
      Path.of(System.getProperty("annals.dashboard", "../k8s/dashboards/annals.json"));

  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "group_left", "group_right", "inf", "nan");
  private static final Pattern NAME =
      Pattern.compile("(?<![\\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

  private DashboardQueries() {}

  /** Every metric name the {@code expr} of any target of any panel (rows' panels too) reads. */
  static Set<String> metricNames(Path dashboard) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(dashboard.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the dashboard " + dashboard.toAbsolutePath(), e);
    }
    Set<String> names = new TreeSet<>();
    for (JsonNode expr : root.findValues("expr")) {
      names.addAll(metricNames(expr.asText()));
    }
    return names;
  }

  static Set<String> metricNames(String expr) {
    String bare =
        expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
            .replaceAll("\\$\\{?\\w+}?", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(bare);
    while (m.find()) {
      if (m.group(2) == null && !KEYWORDS.contains(m.group(1).toLowerCase())) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
