package io.annals.node;

/** Values of a node's {@code GET /metrics} (Prometheus text), for tests that watch a counter. */
final class NodeMetrics {
  private NodeMetrics() {}

  /** The value of {@code series} (a family without labels, e.g. "annals_reads_in_flight"). */
  static double value(HttpJson http, String series) {
    return value(http.base(), series);
  }

  static double value(String base, String series) {
    String text = new RawHttp(base).send("GET", "/metrics", null, null).raw();
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError(series + " is not in /metrics");
  }

  /** The sum of every series of {@code family} whose labels contain {@code labelPart}. */
  static double sum(String base, String family, String labelPart) {
    String text = new RawHttp(base).send("GET", "/metrics", null, null).raw();
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(family + "{") && line.contains(labelPart)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
      }
    }
    return sum;
  }
}
