package io.annals.node.cluster;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write fence of this node ({@code WriteFence.get(system)}): open while this node sees a
 * majority of the cluster's members as reachable. Stream entities start a journal write only while
 * it is open. The journal has no conditional writes, so two live copies of one stream entity would
 * fork its history; a node cut off from the majority closes its fence as soon as the failure
 * detector marks the others unreachable, seconds before the split brain resolver downs it and the
 * majority starts its streams elsewhere (after {@code stable-after} plus the removal margin). A
 * {@link #watcher} actor keeps the fence up to date from cluster events.
 */
public final class WriteFence implements Extension {
  private static final Logger log = LoggerFactory.getLogger(WriteFence.class);
  private static final ExtensionId<WriteFence> ID =
      new ExtensionId<>() {
        @Override
        public WriteFence createExtension(ActorSystem<?> system) {
          return new WriteFence(
              system.settings().config().getBoolean("annals.cluster.write-fence"));
        }
      };

  private final boolean enabled;
  private volatile Closed closed;

  /** The fence is closed: this node sees only {@code seen} of the cluster's {@code members}. */
  public record Closed(int seen, int members) {}

  private WriteFence(boolean enabled) {
    this.enabled = enabled;
  }

  public static WriteFence get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** {@code null} while writes may start, else how many members this node sees. */
  public Closed closed() {
    return enabled ? closed : null;
  }

  /** Keeps {@code fence} up to date: subscribes to membership and reachability changes. */
  public static Behavior<ClusterEvent.ClusterDomainEvent> watcher(WriteFence fence) {
    return Behaviors.setup(
        ctx -> {
          Cluster cluster = Cluster.get(ctx.getSystem());
          cluster
              .subscriptions()
              .tell(Subscribe.create(ctx.getSelf(), ClusterEvent.ClusterDomainEvent.class));
          return Behaviors.receiveMessage(
              event -> {
                fence.update(cluster.state());
                return Behaviors.same();
              });
        });
  }

  /**
   * {@code null} (open) when the reachable members are a strict majority of the {@code members} not
   * downed, or when this node is in no cluster yet; else why the fence is closed.
   */
  static String closedBecause(int members, int unreachable) {
    if (members == 0 || (members - unreachable) * 2 > members) {
      return null;
    }
    return "this node sees only "
        + (members - unreachable)
        + " of "
        + members
        + " cluster members; it does not write until it sees a majority";
  }

  void update(ClusterEvent.CurrentClusterState state) {
    int members = 0;
    for (Member m : state.getMembers()) {
      if (m.status() != MemberStatus.down() && m.status() != MemberStatus.removed()) {
        members++;
      }
    }
    int unreachable = 0;
    for (Member m : state.getUnreachable()) {
      if (m.status() != MemberStatus.down() && m.status() != MemberStatus.removed()) {
        unreachable++;
      }
    }
    Closed before = closed;
    String why = closedBecause(members, unreachable);
    closed = why == null ? null : new Closed(members - unreachable, members);
    if ((before == null) != (why == null)) {
      if (why == null) {
        log.info("Write fence open: a majority of the cluster is reachable again");
      } else {
        log.warn("Write fence closed: {}", why);
      }
    }
  }
}
