package io.annals.node.http;

import io.annals.node.metrics.Metrics;
import io.annals.node.security.Action;
import io.annals.node.security.Grant;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.persistence.cassandra.healthcheck.CassandraHealthCheck;
import scala.jdk.javaapi.FutureConverters;

/**
 * {@code GET /alive} (the process answers), {@code GET /ready} (this member is Up in the cluster,
 * is not stopping, and the journal answers a query, from the same check Pekko Management's
 * readiness uses), {@code GET /metrics} (the node's metrics registry: Prometheus text 0.0.4, or
 * OpenMetrics when the Accept header asks for it) and {@code GET /openapi.json} (the API's
 * description, the resource {@code openapi.json}, read once).
 */
final class OpsRoutes extends AllDirectives {
  private static final ContentType PROMETHEUS_TEXT =
      ContentTypes.create(
          MediaTypes.customWithOpenCharset("text", "plain", Map.of("version", "0.0.4"), false),
          HttpCharsets.UTF_8);
  private static final ContentType OPEN_METRICS =
      ContentTypes.create(
          MediaTypes.customWithOpenCharset(
              "application", "openmetrics-text", Map.of("version", "1.0.0"), false),
          HttpCharsets.UTF_8);
  private final ActorSystem<?> system;
  private final CassandraHealthCheck journalCheck;
  private final HttpResponse openApi;
  private final CloseGrace closeGrace;
  private final Access access;

  OpsRoutes(ActorSystem<?> system, CloseGrace closeGrace, Access access) {
    this.access = access;
    this.system = system;
    this.closeGrace = closeGrace;
    this.journalCheck = new CassandraHealthCheck(Adapter.toClassic(system));
    this.openApi =
        HttpResponse.create()
            .withEntity(
                HttpEntities.create(ContentTypes.APPLICATION_JSON, resource("/openapi.json")));
  }

  Route route() {
    return concat(
        path(
            "alive", () -> get(() -> complete(JsonResponses.json(200, Map.of("status", "alive"))))),
        path("ready", () -> get(() -> onSuccess(ready(), this::readiness))),
        path(
            "metrics",
            () ->
                get(
                    () ->
                        access.on(
                            Action.READ,
                            Grant.METRICS,
                            () -> optionalHeaderValueByName("Accept", a -> complete(metrics(a)))))),
        path("openapi.json", () -> get(() -> complete(openApi))));
  }

  private HttpResponse metrics(Optional<String> accept) {
    boolean openMetrics = Metrics.wantsOpenMetrics(accept.orElse(null));
    String text = Metrics.get(system).scrape(openMetrics);
    return HttpResponse.create()
        .withEntity(
            HttpEntities.create(
                openMetrics ? OPEN_METRICS : PROMETHEUS_TEXT,
                text.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] resource(String name) {
    try (InputStream in = OpsRoutes.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing from the node's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + name, e);
    }
  }

  private Route readiness(String problem) {
    if (problem == null) {
      return complete(JsonResponses.json(200, Map.of("status", "ready")));
    }
    return complete(Problems.unavailable(problem));
  }

  /** {@code null} when ready, else what is missing. */
  private CompletionStage<String> ready() {
    MemberStatus status = Cluster.get(system).selfMember().status();
    CompletionStage<Object> journal = FutureConverters.asJava(journalCheck.apply());
    return journal
        .handle((ok, failure) -> failure == null && Boolean.TRUE.equals(ok))
        .thenApply(
            journalOk -> {
              if (closeGrace.stopping()) {
                return "this node is stopping";
              }
              if (status != MemberStatus.up()) {
                return "this node is not an Up cluster member (status " + status + ")";
              }
              return journalOk ? null : "the journal (Cassandra) does not answer";
            });
  }
}
