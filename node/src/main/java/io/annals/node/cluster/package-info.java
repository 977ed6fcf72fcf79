/**
 * How this node takes part in the Pekko cluster beyond sharding: Pekko Management and Cluster
 * Bootstrap ({@link io.annals.node.cluster.Membership}) and the write fence that stops a cut-off
 * node from writing ({@link io.annals.node.cluster.WriteFence}).
 */
package io.annals.node.cluster;
