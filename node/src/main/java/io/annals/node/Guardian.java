package io.annals.node;

import io.annals.node.cluster.Membership;
import io.annals.node.cluster.WriteFence;
import io.annals.node.http.HttpServer;
import io.annals.node.log.LogEntity;
import io.annals.node.log.LogTails;
import io.annals.node.stream.StreamEntity;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * Wiring only: starts the write fence, Pekko Management and membership (self-join or Cluster
 * Bootstrap), sharding of the stream and log entities, this node's live tails, and the HTTP API.
 */
final class Guardian {
  private Guardian() {}

  static Behavior<Void> create(AnnalsSettings settings, CompletableFuture<ServerBinding> bound) {
    return Behaviors.setup(
        ctx -> {
          var system = ctx.getSystem();
          ctx.spawn(WriteFence.watcher(WriteFence.get(system)), "write-fence");
          Membership.start(system, settings.joinSelf(), settings.bootstrap());
          StreamEntity.init(ClusterSharding.get(system), settings.stream());
          if (settings.log().partitions() > 0) {
            LogEntity.init(ClusterSharding.get(system), settings.log());
          }
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
