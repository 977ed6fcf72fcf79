/**
 * The node's metrics ({@link io.annals.node.metrics.Metrics}): a Micrometer Prometheus registry per
 * actor system, updated by the stream actors and the routes and scraped at {@code GET /metrics}.
 */
package io.annals.node.metrics;
