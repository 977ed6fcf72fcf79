package io.annals.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.longSegment;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.annals.api.AppendResult;
import io.annals.api.ExpectedVersion;
import io.annals.api.Problem;
import io.annals.node.AnnalsSettings;
import io.annals.node.cluster.RetryingAsk;
import io.annals.node.metrics.Metrics;
import io.annals.node.security.Action;
import io.annals.node.security.Principal;
import io.annals.node.stream.NewEvent;
import io.annals.node.stream.StreamEntity;
import io.annals.node.stream.StreamEntity.AppendReply;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaType;
import org.apache.pekko.http.javadsl.model.headers.ETag;
import org.apache.pekko.http.javadsl.model.headers.EntityTag;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code POST /streams/{stream}} (append), {@code POST /streams} (multi-stream write), {@code GET
 * /streams/{stream}} (read a page) and {@code GET /streams/{stream}/{version}} (one event). Parses
 * and validates input, asks the stream's sharded entity, and maps the answer; no business rules.
 */
final class StreamRoutes extends AllDirectives {
  private final ClusterSharding sharding;
  private final StreamReads reads;
  private final AnnalsSettings settings;
  private final Metrics metrics;
  private final Access access;
  private final CloudEventResponses cloudEvents = new CloudEventResponses();

  StreamRoutes(
      ClusterSharding sharding,
      StreamReads reads,
      AnnalsSettings settings,
      Metrics metrics,
      Access access) {
    this.access = access;
    this.sharding = sharding;
    this.reads = reads;
    this.settings = settings;
    this.metrics = metrics;
  }

  Route route() {
    return pathPrefix(
        "streams",
        () ->
            concat(
                pathEndOrSingleSlash(
                    () -> post(() -> access.principal(p -> jsonBody(b -> multiWrite(p, b))))),
                pathPrefix(
                    segment(),
                    stream ->
                        concat(
                            pathEnd(
                                () ->
                                    concat(
                                        post(
                                            () ->
                                                access.onStream(
                                                    Action.WRITE,
                                                    stream,
                                                    p -> jsonBody(b -> append(stream, b, p)))),
                                        get(
                                            () ->
                                                read(
                                                    stream,
                                                    () ->
                                                        cloudEvents.answering(
                                                            () -> reads.page(stream)))))),
                            path(
                                "surface",
                                () -> get(() -> read(stream, () -> reads.surface(stream)))),
                            path(
                                segment("transactions").slash(longSegment()).slash("invalidate"),
                                txn ->
                                    post(
                                        () ->
                                            access.onStream(
                                                Action.INVALIDATE,
                                                stream,
                                                p ->
                                                    jsonBody(b -> invalidate(stream, txn, b, p))))),
                            path(
                                longSegment(),
                                version ->
                                    get(
                                        () ->
                                            read(
                                                stream,
                                                () ->
                                                    cloudEvents.answering(
                                                        () -> reads.one(stream, version)))))))));
  }

  private Route read(String stream, java.util.function.Supplier<Route> inner) {
    return access.onStream(Action.READ, stream, p -> inner.get());
  }

  /** What one append may hold, from {@code annals.http}. */
  static AppendBody.Limits limits(AnnalsSettings settings) {
    return new AppendBody.Limits(settings.maxEventsPerAppend(), settings.maxEventBytes());
  }

  private Route invalidate(String stream, long transaction, byte[] body, Principal principal) {
    Names.validStreamName(stream);
    JsonNode root = AppendBody.tree(body);
    JsonNode reason = root.path("reason");
    if (!root.isObject()
        || root.size() != 1
        || !reason.isTextual()
        || reason.asText().isEmpty()
        || reason.asText().length() > 1000) {
      throw BadRequest.invalid(
          "the body must be {\"reason\": \"...\"} with a reason of 1-1000 characters");
    }
    AppendBody invalidation =
        new AppendBody(
            ExpectedVersion.ANY,
            List.of(
                NewEvent.invalidation(transaction, Text.wellFormed(reason.toString(), "reason"))));
    return onSuccess(
        ask(stream, invalidation, principal),
        reply -> complete(single(stream, AppendAnswers.answer(stream, reply))));
  }

  private Route append(String stream, byte[] body, Principal principal) {
    long started = System.nanoTime();
    Names.validStreamName(stream);
    return extractRequestEntity(
        entity ->
            optionalHeaderValueByName(
                "If-Match",
                ifMatch -> appendParsed(stream, body, entity, ifMatch, principal, started)));
  }

  private Route appendParsed(
      String stream,
      byte[] body,
      HttpEntity entity,
      Optional<String> ifMatch,
      Principal principal,
      long started) {
    String media = entity.getContentType().mediaType().subType();
    AppendBody parsed = AppendBody.parse(body, media, ifMatch, limits(settings));
    return onSuccess(
        ask(stream, parsed, principal),
        reply -> {
          metrics.appendSeconds.observe((System.nanoTime() - started) / 1e9);
          return complete(single(stream, AppendAnswers.answer(stream, reply)));
        });
  }

  private Route multiWrite(Principal principal, byte[] body) {
    JsonNode root = AppendBody.tree(body);
    JsonNode writes = root.isObject() ? root.get("writes") : null;
    if (writes == null || !writes.isArray() || writes.isEmpty() || root.size() != 1) {
      throw BadRequest.invalid(
          "the body must be {\"writes\": [ {\"stream\", \"expectedVersion\", \"events\"}, ... ]} with at least one write");
    }
    if (writes.size() > settings.maxWritesPerRequest()) {
      throw BadRequest.overLimit(
          "too-many-writes",
          "writes: "
              + writes.size()
              + " in one request, more than the limit of "
              + settings.maxWritesPerRequest()
              + " (annals.http.max-writes-per-request)");
    }
    // all or nothing: a write to a stream the principal may not write refuses the whole request
    for (JsonNode write : writes) {
      if (write.path("stream").isTextual()) {
        Access.requireStream(principal, Action.WRITE, write.get("stream").asText());
      }
    }
    List<CompletableFuture<ObjectNode>> results = new ArrayList<>();
    RawJson raw = RawJson.of(body).member("writes");
    for (int i = 0; i < writes.size(); i++) {
      results.add(
          oneOfMany(writes.get(i), "writes[" + i + "].", raw.index(i), principal)
              .toCompletableFuture());
    }
    CompletionStage<HttpResponse> all =
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
            .thenApply(
                done -> {
                  ObjectNode out = Json.MAPPER.createObjectNode();
                  ArrayNode array = out.putArray("results");
                  results.forEach(r -> array.add(r.join()));
                  return JsonResponses.json(200, out);
                });
    return onSuccess(all, this::complete);
  }

  private CompletionStage<ObjectNode> oneOfMany(
      JsonNode write, String at, RawJson raw, Principal principal) {
    try {
      if (!write.isObject() || !write.path("stream").isTextual()) {
        throw BadRequest.invalid(at + "stream is required (a stream name)");
      }
      String stream = Names.validStreamName(write.get("stream").asText());
      ObjectNode rest = ((ObjectNode) write).deepCopy();
      rest.remove("stream");
      if (!rest.has("events")) {
        throw BadRequest.invalid(at + "events is required (an array of events)");
      }
      AppendBody parsed = AppendBody.fromTree(rest, at, Optional.empty(), limits(settings), raw);
      return ask(stream, parsed, principal)
          .thenApply(reply -> AppendAnswers.entry(AppendAnswers.answer(stream, reply)))
          .exceptionally(
              failure -> {
                Problem p = Problems.problemFor(failure);
                return AppendAnswers.entry(new AppendAnswers.Refusal(p));
              });
    } catch (BadRequest bad) {
      Problem p = Problems.badRequestProblem(bad);
      return CompletableFuture.completedFuture(AppendAnswers.entry(new AppendAnswers.Refusal(p)));
    }
  }

  private CompletionStage<AppendReply> ask(String stream, AppendBody body, Principal principal) {
    return ask(sharding, settings, stream, body, principal);
  }

  /**
   * Asks the stream's entity to append, again within the ask timeout if no answer came; the events
   * are recorded as written by {@code principal}.
   */
  static CompletionStage<AppendReply> ask(
      ClusterSharding sharding,
      AnnalsSettings settings,
      String stream,
      AppendBody body,
      Principal principal) {
    ExpectedVersion expected = body.expectedVersion();
    String writer = principal.recordedName();
    List<NewEvent> events =
        writer == null ? body.events() : body.events().stream().map(e -> e.by(writer)).toList();
    // a repeat of an append is answered as its idempotent retry (same event ids)
    return RetryingAsk.ask(
        sharding.entityRefFor(StreamEntity.TYPE_KEY, stream),
        replyTo -> new StreamEntity.Append(expected, events, replyTo),
        settings.askAttempt(),
        settings.askTimeout());
  }

  private static HttpResponse single(String stream, AppendAnswers.Answer answer) {
    if (answer instanceof AppendAnswers.Result written) {
      AppendResult result = written.result();
      HttpResponse response =
          JsonResponses.json(answer.status(), result)
              .addHeader(ETag.create(EntityTag.create(Long.toString(result.lastVersion()), false)));
      return answer.status() == 201
          ? response.addHeader(Location.create("/streams/" + stream + "/" + result.firstVersion()))
          : response;
    }
    return Problems.response(((AppendAnswers.Refusal) answer).problem());
  }

  /** Accepts a JSON body (415 otherwise) of at most the configured size (413 otherwise). */
  private Route jsonBody(Function<byte[], Route> inner) {
    long limit = settings.maxBodyBytes();
    return extractRequestEntity(
        entity -> {
          MediaType media = entity.getContentType().mediaType();
          boolean json =
              media.isApplication()
                  && (media.subType().equals("json") || media.subType().endsWith("+json"));
          if (!json) {
            return afterDiscarding(entity, Problems.unsupportedMediaType(media));
          }
          if (entity.getContentLengthOption().orElse(0L) > limit) {
            return afterDiscarding(entity, Problems.tooLarge(limit));
          }
          return withSizeLimit(
              limit,
              () ->
                  entity(Unmarshaller.entityToByteString(), bytes -> inner.apply(bytes.toArray())));
        });
  }

  /**
   * Reads and drops the request body before answering: most HTTP/1.1 clients cannot read an answer
   * sent before they finished sending, and would see a broken connection instead of the problem.
   * (Pekko HTTP's parser bounds what is read, pekko.http.server.parsing.max-content-length.)
   */
  private Route afterDiscarding(HttpEntity entity, HttpResponse answer) {
    return extractMaterializer(
        materializer ->
            onComplete(
                entity.discardBytes(materializer).completionStage(), done -> complete(answer)));
  }
}
