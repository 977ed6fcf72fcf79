/**
 * Dev mode's and the integration tests' real Cassandra: a forked JVM running the Cassandra 5.0
 * server from the classpath folder that the embedded-cassandra module resolves from Maven Central.
 */
package io.annals.node.dev;
