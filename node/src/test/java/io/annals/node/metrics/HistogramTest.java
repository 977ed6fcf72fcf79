package io.annals.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HistogramTest {
  @Test
  void rendersCumulativeBucketsWithValuesAboveEveryBoundOnlyInTheInfBucket() {
    Histogram h = new Histogram(1, 10);
    h.observe(0.5);
    h.observe(1);
    h.observe(5);
    h.observe(100);

    StringBuilder out = new StringBuilder();
    h.render(out, "x");

    assertEquals(
        """
        x_bucket{le="1"} 2
        x_bucket{le="10"} 3
        x_bucket{le="+Inf"} 4
        x_sum 106.5
        x_count 4
        """,
        out.toString());
    assertEquals(4, h.count());
  }
}
