package io.annals.node.cluster;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this node becomes a cluster member: Pekko Management (health checks at {@code /ready} and
 * {@code /alive}, cluster HTTP, bootstrap probes) on its own port, then one of self-join (dev mode,
 * one-node tests) or Cluster Bootstrap (contact points from config or the Kubernetes API).
 */
public final class Membership {
  private static final Logger log = LoggerFactory.getLogger(Membership.class);

  private Membership() {}

  /** Starts management, then joins as configured ({@code annals.cluster}). */
  public static void start(ActorSystem<?> system, boolean joinSelf, boolean bootstrap) {
    var classic = Adapter.toClassic(system);
    PekkoManagement.get(classic)
        .start()
        .whenComplete(
            (uri, failure) -> {
              if (failure != null) {
                log.error("Pekko Management did not start", failure);
              } else {
                log.info("Pekko Management bound at {}", uri);
              }
            });
    Cluster cluster = Cluster.get(system);
    if (joinSelf) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    } else if (bootstrap) {
      ClusterBootstrap.get(classic).start();
    }
  }
}
