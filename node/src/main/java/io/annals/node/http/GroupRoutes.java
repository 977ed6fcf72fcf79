package io.annals.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.annals.node.AnnalsSettings;
import io.annals.node.group.GroupDirectory;
import io.annals.node.group.GroupEntity;
import io.annals.node.group.GroupSettings;
import io.annals.node.group.GroupSource;
import io.annals.node.metrics.Metrics;
import io.annals.node.security.Action;
import io.annals.node.security.Grant;
import io.annals.node.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.apache.pekko.util.ByteString;

/**
 * Consumer groups: {@code PUT/GET/DELETE /groups/{name}}, {@code GET /groups}, {@code GET
 * /groups/{name}/subscribe} (SSE; each message's id is its delivery id), {@code POST
 * /groups/{name}/ack} and {@code /nack}, {@code GET /groups/{name}/parked} and {@code POST
 * /groups/{name}/parked/replay}. A group is managed and consumed by principals that may read its
 * source ({@code $all}, or its category).
 */
final class GroupRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final GroupSource source;
  private final AnnalsSettings settings;
  private final Access access;
  private final Sse.Settings sse;
  private final Metrics metrics;
  private final Duration heartbeat;

  /** Ends a group subscription: sent to every open one when the node stops. */
  private static final GroupEntity.Deliver END = new GroupEntity.Deliver(null, 0, null);

  /** The open group subscriptions of this node, ended (not cut) when it shuts down. */
  private final java.util.Set<ActorRef<GroupEntity.Deliver>> open =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  GroupRoutes(
      ActorSystem<?> system,
      GroupSource source,
      AnnalsSettings settings,
      Metrics metrics,
      Access access) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.source = source;
    this.settings = settings;
    this.access = access;
    this.metrics = metrics;
    AnnalsSettings.Subscriptions s = settings.subscriptions();
    this.sse = new Sse.Settings(s.retry(), s.heartbeat(), s.chunkBytes());
    this.heartbeat = settings.groups().heartbeat();
    // as the node starts to drain, group subscriptions end cleanly: their clients reconnect to a
    // node that stays, and the group redelivers what they had not acked
    org.apache.pekko.actor.CoordinatedShutdown.get(
            org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
        .addTask(
            org.apache.pekko.actor.CoordinatedShutdown.PhaseBeforeServiceUnbind(),
            "end-group-subscriptions",
            () -> {
              open.forEach(ref -> ref.tell(END));
              return java.util.concurrent.CompletableFuture.completedFuture(
                  org.apache.pekko.Done.getInstance());
            });
  }

  Route route() {
    return pathPrefix(
        "groups",
        () ->
            concat(
                pathEndOrSingleSlash(() -> get(() -> access.principal(this::list))),
                pathPrefix(
                    segment(),
                    name ->
                        concat(
                            pathEnd(
                                () ->
                                    concat(
                                        put(
                                            () ->
                                                access.principal(p -> body(b -> put(name, b, p)))),
                                        get(() -> group(name, (p, info) -> show(name, info))),
                                        delete(() -> group(name, (p, info) -> remove(name))))),
                            path(
                                "subscribe",
                                () -> get(() -> parameterMap(q -> subscribe(name, q)))),
                            path("ack", () -> post(() -> answers(name, false))),
                            path("nack", () -> post(() -> answers(name, true))),
                            pathPrefix(
                                "parked",
                                () ->
                                    concat(
                                        pathEnd(
                                            () ->
                                                get(() -> group(name, (p, info) -> parked(name)))),
                                        path(
                                            "replay",
                                            () ->
                                                post(
                                                    () ->
                                                        group(
                                                            name,
                                                            (p, info) -> replay(name))))))))));
  }

  private interface GroupRoute {
    Route apply(Principal principal, GroupEntity.Info info);
  }

  private EntityRef<GroupEntity.Command> ref(String name) {
    return sharding.entityRefFor(GroupEntity.TYPE_KEY, name);
  }

  private <T> CompletionStage<T> ask(
      String name, Function<ActorRef<T>, GroupEntity.Command> message) {
    return ref(name).ask(message::apply, settings.askTimeout());
  }

  /** The group (404 if none), for a principal that may read its source (403 otherwise). */
  private Route group(String name, GroupRoute inner) {
    GroupBody.validName(name);
    return access.principal(
        p ->
            onSuccess(
                this.<GroupEntity.Info>ask(name, GroupEntity.Get::new),
                info -> {
                  if (!info.exists()) {
                    return complete(notFound(name));
                  }
                  mayRead(p, info.settings());
                  return inner.apply(p, info);
                }));
  }

  private static void mayRead(Principal p, GroupSettings g) {
    boolean allowed =
        g.category() == null
            ? p.mayOn(Action.READ, Grant.ALL)
            : p.mayOnCategory(Action.READ, g.category());
    if (!allowed) {
      throw new Forbidden(
          p.name()
              + " may not use a group of "
              + g.sourceName()
              + ": that needs read covering "
              + g.sourceName()
              + "; it has "
              + p.describeGrants());
    }
  }

  private static HttpResponse notFound(String name) {
    return Problems.notFound("group-not-found", "no group is called '" + name + "'");
  }

  private Route body(Function<byte[], Route> inner) {
    return withSizeLimit(
        settings.maxBodyBytes(),
        () -> entity(Unmarshaller.entityToByteString(), b -> inner.apply(b.toArray())));
  }

  // ---- management -------------------------------------------------------------------------

  private Route put(String name, byte[] body, Principal p) {
    GroupBody.validName(name);
    GroupSettings g = GroupBody.settings(body);
    mayRead(p, g);
    CompletionStage<String> start;
    try {
      start = source.resolve(g.category(), g.start());
    } catch (IllegalArgumentException e) {
      throw BadRequest.invalid(
          "start must be beginning, end or a position of the group's source: " + e.getMessage());
    }
    CompletionStage<HttpResponse> answer =
        start
            .thenCompose(
                position ->
                    GroupDirectory.ref(sharding)
                        .<GroupDirectory.Names>ask(
                            r -> new GroupDirectory.Add(name, r), settings.askTimeout())
                        .thenCompose(
                            added ->
                                this.<GroupEntity.PutReply>ask(
                                    name, r -> new GroupEntity.Put(g, position, r))))
            .thenApply(
                reply -> {
                  if (reply instanceof GroupEntity.Created c) {
                    return JsonResponses.json(201, describe(name, c.info(), null));
                  }
                  if (reply instanceof GroupEntity.Updated u) {
                    return JsonResponses.json(200, describe(name, u.info(), null));
                  }
                  return Problems.response(
                      Problems.problem(
                          409,
                          "group-exists",
                          "Group exists",
                          ((GroupEntity.Conflict) reply).detail()));
                });
    return onSuccess(answer, this::complete);
  }

  private Route show(String name, GroupEntity.Info info) {
    return onSuccess(
        source
            .lag(info.settings().category(), info.checkpoint())
            .thenApply(lag -> JsonResponses.json(200, describe(name, info, lag))),
        this::complete);
  }

  private Route remove(String name) {
    return onSuccess(
        this.<GroupEntity.Info>ask(name, GroupEntity.Delete::new)
            .thenCompose(
                info ->
                    GroupDirectory.ref(sharding)
                        .<GroupDirectory.Names>ask(
                            r -> new GroupDirectory.Remove(name, r), settings.askTimeout()))
            .thenApply(names -> HttpResponse.create().withStatus(StatusCodes.NO_CONTENT)),
        this::complete);
  }

  private Route list(Principal p) {
    CompletionStage<HttpResponse> answer =
        GroupDirectory.ref(sharding)
            .<GroupDirectory.Names>ask(GroupDirectory.ListNames::new, settings.askTimeout())
            .thenCompose(
                names -> {
                  List<CompletableFuture<Pair<String, GroupEntity.Info>>> infos = new ArrayList<>();
                  for (String name : names.names()) {
                    infos.add(
                        this.<GroupEntity.Info>ask(name, GroupEntity.Get::new)
                            .thenApply(info -> Pair.create(name, info))
                            .toCompletableFuture());
                  }
                  return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new))
                      .thenApply(
                          done -> {
                            ObjectNode out = Json.MAPPER.createObjectNode();
                            ArrayNode groups = out.putArray("groups");
                            for (var f : infos) {
                              Pair<String, GroupEntity.Info> g = f.join();
                              if (g.second().exists() && readable(p, g.second().settings())) {
                                groups.add(describe(g.first(), g.second(), null));
                              }
                            }
                            return JsonResponses.json(200, out);
                          });
                });
    return onSuccess(answer, this::complete);
  }

  private static boolean readable(Principal p, GroupSettings g) {
    try {
      mayRead(p, g);
      return true;
    } catch (Forbidden f) {
      return false;
    }
  }

  private static ObjectNode describe(String name, GroupEntity.Info info, Long lag) {
    GroupSettings g = info.settings();
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("name", name);
    if (g.category() == null) {
      out.put("source", "$all");
    } else {
      out.putObject("source").put("category", g.category());
    }
    out.put("start", g.start())
        .put("strategy", g.strategy())
        .put("maxInFlight", g.maxInFlight())
        .put("ackTimeout", g.ackTimeout().toMillis() + "ms")
        .put("maxAttempts", g.maxAttempts())
        .put("checkpointEvery", g.checkpointEvery())
        .put("checkpointAfter", g.checkpointAfter().toMillis() + "ms")
        .put("checkpoint", info.checkpoint());
    if (lag != null) {
      out.put("lag", lag);
    }
    out.put("consumers", info.consumers())
        .put("inFlight", info.inFlight())
        .put("buffered", info.buffered())
        .put("redeliveries", info.redeliveries())
        .put("parked", info.parked());
    return out;
  }

  // ---- consuming --------------------------------------------------------------------------

  /** {@code GET /groups/{name}/subscribe?events=message|named}. */
  private Route subscribe(String name, Map<String, String> query) {
    Sse.Form form = Sse.Form.of(Params.of(query, Set.of(Sse.FORM_PARAMETER)));
    return group(name, (p, info) -> subscribe(name, info, form));
  }

  private Route subscribe(String name, GroupEntity.Info info, Sse.Form form) {
    String consumer = UUID.randomUUID().toString();
    return access.subscription(
        () -> {
          Pair<ActorRef<GroupEntity.Deliver>, Source<GroupEntity.Deliver, NotUsed>> deliveries =
              ActorSource.<GroupEntity.Deliver>actorRef(
                      m -> m == END,
                      m -> Optional.empty(),
                      info.settings().maxInFlight() + 16,
                      OverflowStrategy.fail())
                  .preMaterialize(system);
          ActorRef<GroupEntity.Deliver> to = deliveries.first();
          open.add(to);
          // connects now and again every heartbeat; ends the subscription if the group is deleted
          Source<List<GroupEntity.Deliver>, NotUsed> connect =
              Source.tick(Duration.ZERO, heartbeat, "connect")
                  .mapAsync(
                      1,
                      t ->
                          this.<GroupEntity.Info>ask(
                                  name, r -> new GroupEntity.Connect(consumer, to, r))
                              .exceptionally(failure -> null))
                  .takeWhile(i -> i == null || i.exists())
                  .filter(i -> false)
                  .map(i -> List.<GroupEntity.Deliver>of())
                  .mapMaterializedValue(c -> NotUsed.getInstance());
          Source<List<GroupEntity.Deliver>, NotUsed> chunks =
              deliveries.second().map(List::of).merge(connect, true);
          return Sse.response(chunks, d -> message(d, form), sse, metrics, () -> open.remove(to));
        });
  }

  private static ByteString message(GroupEntity.Deliver d, Sse.Form form) {
    return Sse.message(
        d.id(),
        form,
        d.event(),
        Sse.shared(d.event()),
        ",\"position\":\"" + d.id() + "\",\"attempt\":" + d.attempt() + "}");
  }

  /** {@code POST /groups/{name}/ack} or {@code /nack}. */
  private Route answers(String name, boolean nack) {
    return group(name, (p, info) -> body(b -> answer(name, GroupBody.answers(b, nack))));
  }

  private Route answer(String name, GroupBody.Answers a) {
    CompletionStage<GroupEntity.AckReply> reply =
        a.action() == null
            ? ask(name, r -> new GroupEntity.Ack(a.ids(), r))
            : ask(name, r -> new GroupEntity.Nack(a.ids(), a.action(), a.reason(), r));
    return onSuccess(
        reply,
        r -> {
          ObjectNode out = Json.MAPPER.createObjectNode();
          ObjectNode results = out.putObject("results");
          r.results().forEach(results::put);
          return complete(JsonResponses.json(200, out));
        });
  }

  private Route parked(String name) {
    return onSuccess(
        this.<GroupEntity.ParkedReply>ask(name, GroupEntity.ListParked::new),
        r -> {
          ObjectNode out = Json.MAPPER.createObjectNode();
          ArrayNode parked = out.putArray("parked");
          for (GroupEntity.ParkedEvent e : r.parked()) {
            parked
                .addObject()
                .put("position", e.position())
                .put("stream", e.stream())
                .put("version", e.version())
                .put("reason", e.reason())
                .put("parkedAt", java.time.Instant.ofEpochMilli(e.at()).toString())
                .put("event", "/streams/" + e.stream() + "/" + e.version());
          }
          return complete(JsonResponses.json(200, out));
        });
  }

  private Route replay(String name) {
    return onSuccess(
        this.<GroupEntity.ReplayReply>ask(name, GroupEntity.ReplayParked::new),
        r -> {
          ObjectNode out = Json.MAPPER.createObjectNode();
          out.put("replaying", r.replaying());
          return complete(JsonResponses.json(202, out));
        });
  }
}
