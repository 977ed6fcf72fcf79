package io.annals.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * {@code annals_cluster_members{status}} (one series per {@link Metrics#MEMBER_STATUSES} value, 0
 * when no member has it) and {@code annals_cluster_unreachable_members}: the cluster as this node
 * sees it, read from {@link Cluster#state()} at each scrape. An actor system that is not a cluster
 * member (a unit test's) reports 0.
 */
final class ClusterMembers implements MeterBinder {
  private static final String CLUSTER_PROVIDER = "org.apache.pekko.cluster.ClusterActorRefProvider";
  private final ActorSystem<?> system;
  private final boolean clustered;

  ClusterMembers(ActorSystem<?> system) {
    this.system = system;
    this.clustered = CLUSTER_PROVIDER.equals(system.classicSystem().settings().ProviderClass());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (String status : Metrics.MEMBER_STATUSES) {
      Gauge.builder("annals.cluster.members", this, m -> m.members(status))
          .description("Cluster members as this node sees them, by status.")
          .tag("status", status)
          .strongReference(true)
          .register(registry);
    }
    Gauge.builder("annals.cluster.unreachable.members", this, ClusterMembers::unreachable)
        .description("Cluster members this node's failure detector marks unreachable.")
        .strongReference(true)
        .register(registry);
  }

  private double members(String status) {
    if (!clustered) {
      return 0;
    }
    long n = 0;
    for (Member m : state().getMembers()) {
      if (status.equals(label(m))) {
        n++;
      }
    }
    return n;
  }

  private double unreachable() {
    return clustered ? state().getUnreachable().size() : 0;
  }

  private CurrentClusterState state() {
    return Cluster.get(system).state();
  }

  /** {@code WeaklyUp} becomes {@code weakly_up}, as in {@link Metrics#MEMBER_STATUSES}. */
  private static String label(Member m) {
    return m.status().toString().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }
}
