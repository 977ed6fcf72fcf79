package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class DashboardQueriesTest {
  @Test
  void findsTheMetricOfAHistogramQuantileWithoutFunctionsLabelsOrVariables() {
    assertEquals(
        Set.of("annals_append_latency_seconds_bucket"),
        DashboardQueries.metricNames(
            "histogram_quantile(0.99, sum by (le) (rate("
                + "annals_append_latency_seconds_bucket{job=~\"$job\",le!=\"+Inf\"}"
                + "[$__rate_interval])))"));
  }

  @Test
  void findsBothSidesOfABinaryOperationAndIgnoresKeywordsAndNumbers() {
    assertEquals(
        Set.of("jvm_heap_used_bytes", "jvm_heap_max_bytes", "up"),
        DashboardQueries.metricNames(
            "jvm_heap_used_bytes / on (instance) group_left jvm_heap_max_bytes > bool 0.9"
                + " and up offset 5m or vector(1e9)"));
  }

  @Test
  void findsEveryMetricOfTheAnnalsDashboard() {
    Set<String> names = DashboardQueries.metricNames(DashboardQueries.ANNALS);
    assertTrue(names.contains("annals_appends_total"), names::toString);
    assertTrue(names.stream().noneMatch(n -> n.startsWith("$") || n.equals("le")), names::toString);
  }
}
