/**
 * The node's own counters and histograms ({@link io.annals.node.metrics.Metrics}), written by the
 * stream actors and the routes, and rendered in Prometheus text format at {@code GET /metrics}.
 */
package io.annals.node.metrics;
