package io.annals.node.http;

import io.annals.node.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;
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
 * {@code GET /alive} (the process answers) and {@code GET /ready} (this member is Up in the cluster
 * and the journal answers a query), from the same check Pekko Management's readiness uses.
 */
final class OpsRoutes extends AllDirectives {
  private static final ContentType PROMETHEUS_TEXT =
      ContentTypes.create(
          MediaTypes.customWithFixedCharset(
              "text", "plain", HttpCharsets.UTF_8, Map.of("version", "0.0.4"), false));
  private final ActorSystem<?> system;
  private final CassandraHealthCheck journalCheck;

  OpsRoutes(ActorSystem<?> system) {
    this.system = system;
    this.journalCheck = new CassandraHealthCheck(Adapter.toClassic(system));
  }

  Route route() {
    return concat(
        path("alive", () -> get(() -> complete(StreamRoutes.json(200, Map.of("status", "alive"))))),
        path("ready", () -> get(() -> onSuccess(ready(), this::readiness))),
        path("metrics", () -> get(() -> complete(metrics()))));
  }

  private HttpResponse metrics() {
    long up =
        StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
            .filter(m -> m.status() == MemberStatus.up())
            .count();
    String text = Metrics.get(system).render(() -> up);
    return HttpResponse.create()
        .withEntity(HttpEntities.create(PROMETHEUS_TEXT, text.getBytes(StandardCharsets.UTF_8)));
  }

  private Route readiness(String problem) {
    if (problem == null) {
      return complete(StreamRoutes.json(200, Map.of("status", "ready")));
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
              if (status != MemberStatus.up()) {
                return "this node is not an Up cluster member (status " + status + ")";
              }
              return journalOk ? null : "the journal (Cassandra) does not answer";
            });
  }
}
