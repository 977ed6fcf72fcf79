package io.annals.node;

import io.annals.node.cluster.Membership;
import io.annals.node.cluster.WriteFence;
import io.annals.node.group.GroupDirectory;
import io.annals.node.group.GroupEntity;
import io.annals.node.group.GroupSource;
import io.annals.node.http.HttpServer;
import io.annals.node.journal.JournalReads;
import io.annals.node.journal.StreamReader;
import io.annals.node.log.IndexOutbox;
import io.annals.node.log.IndexSweep;
import io.annals.node.log.LogEntity;
import io.annals.node.log.LogReads;
import io.annals.node.log.LogTails;
import io.annals.node.security.Security;
import io.annals.node.security.SecuritySettings;
import io.annals.node.stream.StreamEntity;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * Wiring only: starts the write fence, Pekko Management and membership (self-join or Cluster
 * Bootstrap), sharding of the stream and log entities, the index sweep singleton, this node's live
 * tails, its security (API keys, tokens) and the HTTP API.
 */
final class Guardian {
  private Guardian() {}

  static Behavior<Void> create(
      AnnalsSettings settings,
      SecuritySettings securitySettings,
      CompletableFuture<Security> secured,
      CompletableFuture<ServerBinding> bound) {
    return Behaviors.setup(
        ctx -> {
          var system = ctx.getSystem();
          ctx.spawn(WriteFence.watcher(WriteFence.get(system)), "write-fence");
          Membership.start(system, settings.joinSelf(), settings.bootstrap());
          int partitions = settings.log().partitions();
          StreamEntity.init(
              ClusterSharding.get(system),
              settings.stream(),
              partitions == 0
                  ? stream -> null
                  : IndexOutbox.forStreams(
                      ctx.spawn(
                          IndexOutbox.create(partitions, settings.log().retryInterval()),
                          "index-outbox")));
          JournalReads journal = new JournalReads(system);
          StreamReader streams = new StreamReader(journal);
          if (settings.log().partitions() > 0) {
            LogEntity.init(ClusterSharding.get(system), settings.log());
            GroupDirectory.init(ClusterSharding.get(system));
            IndexSweep.init(system, streams, settings.log().partitions(), settings.sweep());
          }
          var tails = ctx.spawn(LogTails.create(settings.log()), "log-tails");
          var subscriptions = settings.subscriptions();
          LogReads logs =
              LogReads.create(
                  system,
                  journal,
                  streams,
                  tails,
                  new LogReads.Settings(
                      settings.log().partitions(),
                      subscriptions.chunkEvents(),
                      subscriptions.catchUpEvents(),
                      subscriptions.catchUpBytes(),
                      subscriptions.askTimeout(),
                      settings.askTimeout()));
          GroupSource groups = new GroupSource(logs);
          if (settings.log().partitions() > 0) {
            GroupEntity.init(ClusterSharding.get(system), groups, streams, settings.groups());
          }
          Security security = Security.start(ctx, securitySettings);
          secured.complete(security);
          HttpServer.start(system, settings, streams, logs, groups, security)
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
