package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Raw HTTP against a node, for tests that check statuses, headers and problem bodies exactly. */
public final class HttpJson {
  public static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  public HttpJson(String base) {
    this.base = base;
  }

  /** A response with its body parsed as JSON (null when empty). */
  public record Response(
      int status,
      java.net.http.HttpHeaders headers,
      JsonNode body,
      String contentType,
      String raw) {
    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    /** Asserts this is a problem+json of {@code status} and {@code type}; returns its body. */
    public JsonNode assertProblem(int expectedStatus, String type) {
      assertEquals(expectedStatus, status, () -> "status of " + body);
      assertEquals("application/problem+json", contentType, () -> "content type of " + body);
      assertEquals("/problems/" + type, body.path("type").asText(), () -> "type of " + body);
      assertEquals(expectedStatus, body.path("status").asInt());
      assertTrue(body.path("detail").asText().length() > 5, () -> "detail of " + body);
      return body;
    }
  }

  public Response post(String path, String json, String... headers) {
    return send(
        request(path, headers)
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .header("Content-Type", "application/json"));
  }

  public CompletableFuture<Response> postAsync(String path, String json, String... headers) {
    return sendAsync(
        request(path, headers)
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .header("Content-Type", "application/json"));
  }

  public Response postRaw(String path, String contentType, byte[] body) {
    return send(
        request(path)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .header("Content-Type", contentType));
  }

  public Response get(String path, String... headers) {
    return send(request(path, headers).GET());
  }

  public Response method(String method, String path) {
    return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()));
  }

  private HttpRequest.Builder request(String path, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private Response send(HttpRequest.Builder b) {
    return sendAsync(b).join();
  }

  private CompletableFuture<Response> sendAsync(HttpRequest.Builder b) {
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(HttpJson::toResponse);
  }

  private static Response toResponse(HttpResponse<String> r) {
    try {
      JsonNode body = r.body().isEmpty() ? null : MAPPER.readTree(r.body());
      String contentType = r.headers().firstValue("Content-Type").orElse("").split(";")[0];
      return new Response(r.statusCode(), r.headers(), body, contentType, r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + r.body(), e);
    }
  }

  /** Every event of a paged read, following {@code next} links from {@code path} to the end. */
  public java.util.List<JsonNode> readAllPages(String path) {
    java.util.List<JsonNode> out = new java.util.ArrayList<>();
    String next = path;
    while (next != null) {
      JsonNode page = get(next).body();
      page.path("events").forEach(out::add);
      next = page.path("next").isNull() ? null : page.path("next").asText();
    }
    return out;
  }

  /** {"type": type, "data": data} as JSON text. */
  public static String event(String type, String dataJson) {
    return "{\"type\":\"" + type + "\",\"data\":" + dataJson + "}";
  }
}
