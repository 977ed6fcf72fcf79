package io.annals.node;

import io.annals.node.http.HttpServer;
import io.annals.node.log.LogEntity;
import io.annals.node.log.LogTails;
import io.annals.node.stream.StreamEntity;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * Wiring only: joins the cluster (self-join where configured), starts sharding of the stream and
 * log entities, this node's live tails, and the HTTP API.
 */
final class Guardian {
  private Guardian() {}

  static Behavior<Void> create(AnnalsSettings settings, CompletableFuture<ServerBinding> bound) {
    return Behaviors.setup(
        ctx -> {
          var system = ctx.getSystem();
          Cluster cluster = Cluster.get(system);
          if (settings.joinSelf()) {
            cluster.manager().tell(Join.create(cluster.selfMember().address()));
          }
          StreamEntity.init(ClusterSharding.get(system), settings.stream());
          LogEntity.init(ClusterSharding.get(system), settings.log());
          var tails = ctx.spawn(LogTails.create(settings.log()), "log-tails");
          HttpServer.start(system, settings, tails)
              .whenComplete(
                  (binding, failure) -> {
                    if (failure != null) {
                      bound.completeExceptionally(failure);
                    } else {
                      bound.complete(binding);
                    }
                  });
          return Behaviors.empty();
        });
  }
}
