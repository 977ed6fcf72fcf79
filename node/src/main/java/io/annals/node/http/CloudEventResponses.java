package io.annals.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.Query;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;

/**
 * Answers a read (a stream page, one event, a page of {@code /all} or a category) in CloudEvents
 * JSON when the request's {@code Accept} names {@code application/cloudevents+json} or {@code
 * application/cloudevents-batch+json}: a page becomes a batch (its {@code next} moves to a {@code
 * Link: <…>; rel="next"} header, for a log page this request's URL with {@code after} the next
 * position), one event a single CloudEvent. Other answers (304, problems) pass unchanged.
 */
final class CloudEventResponses extends AllDirectives {
  static final ContentType SINGLE =
      ContentTypes.create(
          MediaTypes.applicationWithFixedCharset(CloudEvents.SINGLE, HttpCharsets.UTF_8));
  static final ContentType BATCH =
      ContentTypes.create(
          MediaTypes.applicationWithFixedCharset(CloudEvents.BATCH, HttpCharsets.UTF_8));

  Route answering(Supplier<Route> inner) {
    return optionalHeaderValueByName(
        "Accept",
        accept ->
            !wantsCloudEvents(accept)
                ? inner.get()
                : extractUri(uri -> mapResponse(r -> convert(r, uri), inner)));
  }

  /**
   * The next page's URL: a stream page's {@code next} is one already; a log page's is a position,
   * which becomes this request's URL with {@code after} set to it.
   */
  private static String nextUrl(String next, Uri request) {
    if (next.startsWith("/")) {
      return next;
    }
    Map<String, String> query = new LinkedHashMap<>(request.query().toMap());
    query.put("after", next);
    return request.path() + "?" + Query.create(toPairs(query)).render(HttpCharsets.UTF_8);
  }

  @SuppressWarnings("unchecked")
  private static Pair<String, String>[] toPairs(Map<String, String> query) {
    return query.entrySet().stream()
        .map(e -> Pair.create(e.getKey(), e.getValue()))
        .toArray(Pair[]::new);
  }

  private static boolean wantsCloudEvents(Optional<String> accept) {
    return accept.map(a -> a.contains("application/cloudevents")).orElse(false);
  }

  private static HttpResponse convert(HttpResponse response, Uri request) {
    if (response.status().intValue() != 200
        || !(response.entity() instanceof HttpEntity.Strict strict)) {
      return response;
    }
    JsonNode body = parse(strict.getData().toArray());
    if (body.has("events") && body.get("events").isArray()) {
      ArrayNode batch = Json.MAPPER.createArrayNode();
      body.get("events").forEach(e -> batch.add(CloudEvents.fromEvent(e)));
      HttpResponse out = response.withEntity(HttpEntities.create(BATCH, Json.bytes(batch)));
      return body.hasNonNull("next")
          ? out.addHeader(
              RawHeader.create(
                  "Link", "<" + nextUrl(body.get("next").asText(), request) + ">; rel=\"next\""))
          : out;
    }
    return response.withEntity(
        HttpEntities.create(SINGLE, Json.bytes(CloudEvents.fromEvent(body))));
  }

  private static JsonNode parse(byte[] bytes) {
    try {
      return Json.MAPPER.readTree(bytes);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a read answered no JSON", e);
    }
  }
}
