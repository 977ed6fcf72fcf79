package io.annals.node;

import com.typesafe.config.Config;
import io.annals.api.ExpectedVersion;
import io.annals.node.security.Security;
import io.annals.node.security.SecuritySettings;
import io.annals.node.stream.NewEvent;
import io.annals.node.stream.StreamEntity;
import io.annals.node.tls.ApiTls;
import io.annals.node.tls.CassandraClientSecurity;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Annals node: its actor system, its HTTP binding, and the start-up check that makes
 * "ready" mean "an append succeeds" (it appends a NodeStarted event to the reserved stream {@code
 * $nodes}). Used by {@link Main} and by the integration tests.
 */
public final class AnnalsNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AnnalsNode.class);
  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final Security security;
  private final String scheme;

  private AnnalsNode(
      ActorSystem<Void> system, ServerBinding binding, Security security, String scheme) {
    this.system = system;
    this.binding = binding;
    this.security = security;
    this.scheme = scheme;
  }

  /** Starts a node and returns once its HTTP API is bound and an append has succeeded. */
  public static AnnalsNode start(Config given, Duration readyTimeout) {
    Config config = CassandraClientSecurity.apply(withContactPoints(given));
    AnnalsSettings settings = AnnalsSettings.from(config);
    SecuritySettings securitySettings = SecuritySettings.from(config);
    refuseOpenAnonymousApi(settings, securitySettings);
    CompletableFuture<ServerBinding> bound = new CompletableFuture<>();
    CompletableFuture<Security> secured = new CompletableFuture<>();
    ActorSystem<Void> system =
        ActorSystem.create(
            Guardian.create(settings, securitySettings, secured, bound), "annals", config);
    system
        .getWhenTerminated()
        .thenRun(
            () ->
                bound.completeExceptionally(
                    new IllegalStateException("the actor system stopped during start-up")));
    try {
      ServerBinding binding = bound.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
      AnnalsNode node =
          new AnnalsNode(system, binding, secured.getNow(null), ApiTls.scheme(settings.httpTls()));
      node.awaitWritable(readyTimeout);
      return node;
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("Annals node did not become ready: " + e.getMessage(), e);
    }
  }

  /**
   * With security off, anyone who reaches the API may do anything: allowed on loopback, elsewhere
   * only when {@code annals.security.allow-anonymous} says so.
   */
  static void refuseOpenAnonymousApi(AnnalsSettings settings, SecuritySettings security) {
    if (security.enabled() || security.allowAnonymous()) {
      return;
    }
    boolean loopback;
    try {
      loopback = java.net.InetAddress.getByName(settings.httpInterface()).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      loopback = false;
    }
    if (!loopback) {
      throw new IllegalStateException(
          "the HTTP API would listen on "
              + settings.httpInterface()
              + " with security off, so anyone who reaches it could write, read and invalidate"
              + " everything. Turn security on (annals.security.authentication ="
              + " \"api-keys\" or \"jwt\", ANNALS_AUTHENTICATION), bind to loopback, or allow"
              + " anonymous access explicitly (ANNALS_ALLOW_ANONYMOUS=true).");
    }
  }

  /** Applies {@code annals.cassandra.contact-points} ("h:p,h:p") to the driver's list, if set. */
  static Config withContactPoints(Config config) {
    String points = config.getString("annals.cassandra.contact-points").trim();
    if (points.isEmpty()) {
      return config;
    }
    List<String> list =
        java.util.Arrays.stream(points.split(","))
            .map(String::trim)
            .filter(p -> !p.isEmpty())
            .toList();
    return config.withValue(
        "datastax-java-driver.basic.contact-points",
        com.typesafe.config.ConfigValueFactory.fromIterable(list));
  }

  private void awaitWritable(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String data = "{\"node\":\"" + system.address() + "\"}";
    NewEvent started = new NewEvent(UUID.randomUUID(), "NodeStarted", 1, null, data, null);
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        StreamEntity.AppendReply reply =
            ClusterSharding.get(system)
                .entityRefFor(StreamEntity.TYPE_KEY, "$nodes")
                .<StreamEntity.AppendReply>ask(
                    r -> new StreamEntity.Append(ExpectedVersion.ANY, List.of(started), r),
                    Duration.ofSeconds(10))
                .toCompletableFuture()
                .get(15, TimeUnit.SECONDS);
        if (reply instanceof StreamEntity.Appended
            || reply instanceof StreamEntity.AlreadyAppended) {
          return;
        }
        log.info("Waiting for the journal: {}", reply);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        last = e;
        log.info("Waiting for the journal: {}", e.getMessage());
      }
      TimeUnit.MILLISECONDS.sleep(500);
    }
    throw new IllegalStateException("no append succeeded within " + timeout, last);
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** The node's security: its API keys, when they are on. */
  public Security security() {
    return security;
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  public String baseUrl() {
    return scheme + "://" + binding.localAddress().getHostString() + ":" + httpPort();
  }

  /** Runs CoordinatedShutdown (drain HTTP, leave the cluster) and waits for it. */
  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Node did not terminate cleanly", e);
    }
  }
}
