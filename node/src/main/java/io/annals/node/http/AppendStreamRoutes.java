package io.annals.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.annals.api.Problem;
import io.annals.node.AnnalsSettings;
import io.annals.node.security.Action;
import io.annals.node.security.Principal;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaType;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.FramingTruncation;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code POST /streams/{stream}/append-stream}: many appends to one stream over one long-lived
 * request, for producers that write fast to few streams. The request body is NDJSON, one append per
 * line ({@code {"expectedVersion": …, "events": [...]}}, as the body of {@code POST
 * /streams/{stream}}); the response streams back one NDJSON answer per line, in the same order,
 * each the JSON of that append's own answer with its {@code status} and {@code line} (1-based). Up
 * to {@code annals.http.append-stream-in-flight} appends are in flight at once, so they reach the
 * stream pipelined and are grouped into its journal writes; a slow reader of the answers slows the
 * reading of the request (Pekko Streams backpressure end to end). Each append is decided as if sent
 * alone: a bad line is answered 400 and changes nothing, a failed journal write fails the appends
 * queued behind it in the stream (503), and a repeat of the whole request after a dropped
 * connection is answered by the idempotency check (200 for what was written).
 */
final class AppendStreamRoutes extends AllDirectives {
  static final ContentType NDJSON =
      MediaTypes.applicationWithOpenCharset("x-ndjson")
          .toContentType(org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8);
  private static final ByteString NEWLINE = ByteString.fromString("\n");

  private final ClusterSharding sharding;
  private final AnnalsSettings settings;
  private final Access access;

  AppendStreamRoutes(ClusterSharding sharding, AnnalsSettings settings, Access access) {
    this.access = access;
    this.sharding = sharding;
    this.settings = settings;
  }

  Route route() {
    return path(
        segment("streams").slash(segment()).slash("append-stream"),
        stream -> post(() -> access.onStream(Action.WRITE, stream, p -> appendStream(stream, p))));
  }

  private Route appendStream(String stream, Principal principal) {
    Names.validStreamName(stream);
    return extractRequestEntity(
        entity -> {
          MediaType media = entity.getContentType().mediaType();
          if (!isNdjson(media)) {
            // read (at most max-content-length of) the body first, as StreamRoutes does
            return extractMaterializer(
                materializer ->
                    onComplete(
                        entity.discardBytes(materializer).completionStage(),
                        done ->
                            complete(
                                Problems.unsupportedMediaType(
                                    media, "application/x-ndjson (one JSON append per line)"))));
          }
          int maxLine = (int) Math.min(Integer.MAX_VALUE, settings.maxBodyBytes());
          // a long-lived request: no bound on the whole body (Pekko's max-content-length), only
          // on each line
          Source<ByteString, NotUsed> answers =
              entity
                  .withoutSizeLimit()
                  .getDataBytes()
                  .via(Framing.delimiter(NEWLINE, maxLine, FramingTruncation.ALLOW))
                  .zipWithIndex()
                  .filter(line -> !line.first().utf8String().isBlank())
                  .mapAsync(
                      settings.appendStreamInFlight(),
                      line -> answer(stream, line.first(), line.second() + 1, principal))
                  .recover(
                      org.apache.pekko.stream.scaladsl.Framing.FramingException.class,
                      () ->
                          AppendAnswers.entry(
                              new AppendAnswers.Refusal(
                                  Problems.problem(
                                      413,
                                      "payload-too-large",
                                      "Payload too large",
                                      "an append line is longer than "
                                          + maxLine
                                          + " bytes; the stream of appends ends here"))))
                  .map(node -> ByteString.fromArray(Json.bytes(node)).concat(NEWLINE))
                  .mapMaterializedValue(m -> NotUsed.getInstance());
          return complete(HttpResponse.create().withEntity(HttpEntities.create(NDJSON, answers)));
        });
  }

  private CompletionStage<ObjectNode> answer(
      String stream, ByteString line, long number, Principal principal) {
    CompletionStage<ObjectNode> entry;
    try {
      AppendBody parsed =
          AppendBody.parse(line.toArray(), Optional.empty(), StreamRoutes.limits(settings));
      entry =
          StreamRoutes.ask(sharding, settings, stream, parsed, principal)
              .thenApply(reply -> AppendAnswers.entry(AppendAnswers.answer(stream, reply)))
              .exceptionally(
                  failure ->
                      AppendAnswers.entry(new AppendAnswers.Refusal(Problems.problemFor(failure))));
    } catch (BadRequest bad) {
      Problem p = Problems.badRequestProblem(bad);
      entry = CompletableFuture.completedFuture(AppendAnswers.entry(new AppendAnswers.Refusal(p)));
    }
    return entry.thenApply(node -> node.put("line", number));
  }

  private static boolean isNdjson(MediaType media) {
    String sub = media.subType();
    return media.isApplication()
        && (sub.equals("x-ndjson") || sub.equals("ndjson") || sub.equals("jsonl"));
  }
}
