/**
 * The write benchmark: a node in its own process, load over real HTTP, the raw Cassandra driver on
 * the same table shape for reference, and the report in docs/benchmarks.md.
 */
package io.annals.bench;
