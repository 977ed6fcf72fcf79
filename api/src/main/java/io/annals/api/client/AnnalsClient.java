package io.annals.api.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.annals.api.AppendResult;
import io.annals.api.ExpectedVersion;
import io.annals.api.Problem;
import io.annals.api.ProposedEvent;
import io.annals.api.RecordedEvent;
import io.annals.api.StreamPage;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A client of one Annals node (any node of a cluster serves every stream). Every call is
 * asynchronous and completes with the decoded answer, or fails with an {@link AnnalsException} that
 * carries the server's problem — {@link WrongExpectedVersionException} and {@link
 * StreamNotFoundException} for the two a caller usually handles.
 */
public final class AnnalsClient {
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private final URI base;
  private final HttpClient http;

  private AnnalsClient(URI base, HttpClient http) {
    this.base = base;
    this.http = http;
  }

  public static AnnalsClient create(URI base) {
    return create(base, HttpClient.newHttpClient());
  }

  public static AnnalsClient create(URI base, HttpClient http) {
    return new AnnalsClient(base, http);
  }

  /** Appends {@code events} atomically if the stream satisfies {@code expected}. */
  public CompletableFuture<AppendResult> appendToStream(
      String stream, ExpectedVersion expected, List<ProposedEvent> events) {
    ObjectNode body = JSON.createObjectNode();
    body.putPOJO("expectedVersion", expected.toJsonValue());
    body.set("events", JSON.valueToTree(events));
    HttpRequest request =
        HttpRequest.newBuilder(uri("/streams/" + encode(stream)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    return send(request).thenApply(node -> JSON.convertValue(node, AppendResult.class));
  }

  /** A page of {@code stream} forward from {@code from} (inclusive). */
  public CompletableFuture<StreamPage> readStream(String stream, long from, int limit) {
    return page("/streams/" + encode(stream) + "?from=" + from + "&limit=" + limit);
  }

  /** A page of {@code stream} backward from {@code from} (inclusive). */
  public CompletableFuture<StreamPage> readStreamBackward(String stream, long from, int limit) {
    return page(
        "/streams/" + encode(stream) + "?from=" + from + "&limit=" + limit + "&direction=backward");
  }

  /** Every event of {@code stream}, following the pages' {@code next} links. */
  public CompletableFuture<List<RecordedEvent>> readAllEvents(String stream) {
    return collect(page("/streams/" + encode(stream) + "?limit=1000"), new ArrayList<>());
  }

  /** The event at {@code version}. */
  public CompletableFuture<RecordedEvent> readEvent(String stream, long version) {
    return send(HttpRequest.newBuilder(uri("/streams/" + encode(stream) + "/" + version))
            .GET()
            .build())
        .thenApply(AnnalsClient::event);
  }

  private CompletableFuture<List<RecordedEvent>> collect(
      CompletableFuture<StreamPage> page, List<RecordedEvent> into) {
    return page.thenCompose(
        p -> {
          into.addAll(p.events());
          return p.next() == null
              ? CompletableFuture.completedFuture(into)
              : collect(page(p.next()), into);
        });
  }

  private CompletableFuture<StreamPage> page(String pathAndQuery) {
    return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET().build())
        .thenApply(
            node -> {
              List<RecordedEvent> events = new ArrayList<>();
              node.path("events").forEach(e -> events.add(event(e)));
              String next = node.path("next").isNull() ? null : node.path("next").asText();
              return new StreamPage(
                  node.path("stream").asText(), node.path("version").asLong(), events, next);
            });
  }

  private static RecordedEvent event(JsonNode e) {
    return new RecordedEvent(
        UUID.fromString(e.path("id").asText()),
        e.path("stream").asText(),
        e.path("version").asLong(),
        e.path("transaction").asLong(),
        e.path("type").asText(),
        e.path("schemaVersion").asInt(1),
        e.hasNonNull("key") ? e.get("key").asText() : null,
        e.get("data"),
        e.get("metadata"),
        Instant.parse(e.path("recorded").asText()),
        e.hasNonNull("position") ? e.get("position").asText() : null);
  }

  private CompletableFuture<JsonNode> send(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            response -> {
              JsonNode body = parse(response.body());
              if (response.statusCode() >= 400) {
                throw problem(JSON.convertValue(body, Problem.class));
              }
              return body;
            });
  }

  private static AnnalsException problem(Problem p) {
    return switch (String.valueOf(p.type())) {
      case "/problems/wrong-expected-version" -> new WrongExpectedVersionException(p);
      case "/problems/stream-not-found" -> new StreamNotFoundException(p);
      default -> new AnnalsException(p);
    };
  }

  private static JsonNode parse(String body) {
    try {
      return body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("not JSON: " + body, e);
    }
  }

  private URI uri(String pathAndQuery) {
    return base.resolve(pathAndQuery);
  }

  private static String encode(String stream) {
    return URLEncoder.encode(stream, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
