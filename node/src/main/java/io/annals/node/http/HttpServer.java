package io.annals.node.http;

import io.annals.node.AnnalsSettings;
import io.annals.node.group.GroupSource;
import io.annals.node.journal.StreamReader;
import io.annals.node.log.LogReads;
import io.annals.node.metrics.Metrics;
import io.annals.node.security.Security;
import io.annals.node.tls.ApiTls;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the API's routes, sealed by {@link Problems}, and registers the binding with
 * CoordinatedShutdown: on SIGTERM the node first serves on for {@code annals.http.close-grace}
 * while telling clients to close their connections ({@link CloseGrace}), then stops accepting
 * connections, answers the requests in flight (up to {@code annals.http.drain-timeout}) and only
 * then leaves the cluster.
 */
public final class HttpServer extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

  private HttpServer() {}

  public static CompletionStage<ServerBinding> start(
      ActorSystem<?> system,
      AnnalsSettings settings,
      StreamReader streams,
      LogReads logs,
      GroupSource groups,
      Security security) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Access access = new Access(security);
    StreamReads reads = new StreamReads(sharding, streams, settings, Metrics.get(system));
    Route streamRoutes =
        new StreamRoutes(sharding, reads, settings, Metrics.get(system), access).route();
    CloseGrace closeGrace = CloseGrace.register(system, settings.closeGrace());
    HttpServer server = new HttpServer();
    Route opsRoutes =
        server.concat(
            new OpsRoutes(system, closeGrace, access).route(),
            new KeyRoutes(security, access).route(),
            new ConsoleRoutes().route());
    Invalidations invalidations =
        new Invalidations(sharding, settings.askAttempt(), settings.askTimeout());
    Route api =
        settings.log().partitions() > 0
            ? server.sealed(
                new SubscriptionRoutes(
                        logs.subscriptions(),
                        logs.streamSubscriptions(),
                        logs.pages(),
                        settings,
                        Metrics.get(system),
                        invalidations,
                        new OpenSubscriptions(settings.subscriptions().maxOpen()),
                        access)
                    .route(),
                new LogRoutes(system, logs.pages(), settings, invalidations, access).route(),
                new GroupRoutes(system, groups, settings, Metrics.get(system), access).route(),
                new AppendStreamRoutes(sharding, settings, access).route(),
                streamRoutes,
                opsRoutes)
            // indexing off (annals.log.partitions = 0): no global or category logs to serve
            : server.sealed(
                new AppendStreamRoutes(sharding, settings, access).route(),
                streamRoutes,
                opsRoutes);
    // CORS outside Access: a preflight carries no token
    Route guarded = new Cors(settings.corsAllowedOrigins()).around(() -> access.around(() -> api));
    return ApiTls.serve(
            Http.get(system).newServerAt(settings.httpInterface(), settings.httpPort()),
            settings.httpTls())
        .bindFlow(
            Connections.handler(
                closeGrace.closingConnections(() -> guarded).flow(system),
                settings.firstRequestTimeout()))
        .thenApply(
            binding -> {
              log.info("Annals HTTP API bound to {}", binding.localAddress());
              return binding.addToCoordinatedShutdown(settings.drainTimeout(), system);
            });
  }

  private Route sealed(Route first, Route... more) {
    return handleExceptions(
        Problems.exceptionHandler(),
        () -> handleRejections(Problems.rejectionHandler(), () -> concat(first, more)));
  }
}
