package io.annals.api.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.annals.api.Problem;
import io.annals.api.RecordedEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Sends requests to one node: adds the bearer token and timeout, decodes JSON, turns problems into
 * {@link AnnalsException}s, and retries requests that are safe to repeat after a 503 or a
 * connection failure (waiting {@code Retry-After}, else a growing pause).
 */
final class Transport {
  static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  final URI base;
  final HttpClient http;
  final String token;
  final Duration timeout;
  final int retries;
  final Duration idleTimeout;

  Transport(
      URI base,
      HttpClient http,
      String token,
      Duration timeout,
      int retries,
      Duration idleTimeout) {
    this.idleTimeout = idleTimeout;
    this.base = base;
    this.http = http;
    this.token = token;
    this.timeout = timeout;
    this.retries = retries;
  }

  HttpRequest.Builder request(String pathAndQuery) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(timeout);
    if (token != null && !token.isEmpty()) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  HttpRequest.Builder json(String pathAndQuery, String method, Object body) {
    String text;
    try {
      text = body instanceof String s ? s : JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write the request body as JSON", e);
    }
    return request(pathAndQuery)
        .header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(text));
  }

  /** Sends once; the body as JSON (an empty object for an empty body). */
  CompletableFuture<JsonNode> send(HttpRequest request) {
    return attempt(request, 0);
  }

  /** Sends, and again after a 503 or connection failure, up to the configured retries. */
  CompletableFuture<JsonNode> sendRetrying(HttpRequest request) {
    return attempt(request, retries);
  }

  private CompletableFuture<JsonNode> attempt(HttpRequest request, int retriesLeft) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, failure) -> {
              if (failure != null) {
                Throwable cause = unwrap(failure);
                if (retriesLeft > 0 && cause instanceof IOException) {
                  return later(request, retriesLeft, pause(retriesLeft, null));
                }
                return CompletableFuture.<JsonNode>failedFuture(cause);
              }
              if (response.statusCode() == 503 && retriesLeft > 0) {
                return later(request, retriesLeft, pause(retriesLeft, response));
              }
              try {
                return CompletableFuture.completedFuture(
                    decode(response.statusCode(), response.body()));
              } catch (RuntimeException e) {
                return CompletableFuture.<JsonNode>failedFuture(e);
              }
            })
        .thenCompose(f -> f);
  }

  private CompletableFuture<JsonNode> later(HttpRequest request, int retriesLeft, long millis) {
    Executor delayed = CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS);
    return CompletableFuture.supplyAsync(() -> null, delayed)
        .thenCompose(x -> attempt(request, retriesLeft - 1));
  }

  private long pause(int retriesLeft, HttpResponse<String> response) {
    if (response != null) {
      var after = response.headers().firstValue("Retry-After");
      if (after.isPresent() && after.get().matches("\\d{1,4}")) {
        return Long.parseLong(after.get()) * 1000;
      }
    }
    return 200L * (retries - retriesLeft + 1);
  }

  static JsonNode decode(int status, String text) {
    JsonNode body = parse(text);
    if (status >= 400) {
      Problem p =
          body.isObject() && body.has("type")
              ? JSON.convertValue(body, Problem.class)
              : new Problem("about:blank", "HTTP " + status, status, text);
      throw AnnalsException.of(p);
    }
    return body;
  }

  static JsonNode parse(String body) {
    try {
      if (!body.isEmpty() && body.charAt(0) != '{' && body.charAt(0) != '[') {
        return JSON.getNodeFactory().textNode(body);
      }
      return body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("not JSON: " + body, e);
    }
  }

  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static RecordedEvent event(JsonNode e) {
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
        e.hasNonNull("recorded") ? Instant.parse(e.path("recorded").asText()) : null,
        e.hasNonNull("position") ? e.get("position").asText() : null);
  }
}
