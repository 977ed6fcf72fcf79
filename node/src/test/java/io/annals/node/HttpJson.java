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

  /** The node's base URL, e.g. http://127.0.0.1:8080. */
  public String base() {
    return base;
  }

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

  public Response put(String path, String json, String... headers) {
    return send(
        request(path, headers)
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .header("Content-Type", "application/json"));
  }

  public Response get(String path, String... headers) {
    return send(request(path, headers).GET());
  }

  /** {@code method} without a body, with {@code headers} (name, value, ...). */
  public Response send(String method, String path, String... headers) {
    return send(request(path, headers).method(method, HttpRequest.BodyPublishers.noBody()));
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

  /**
   * Every event of a paged read, following {@code next} links from {@code path} to the end. A 503
   * (journal briefly unavailable) is retried as its Retry-After asks, for at most 60 s; any other
   * non-200 answer or a page without {@code next} fails the test instead of looping.
   */
  public java.util.List<JsonNode> readAllPages(String path) {
    java.util.List<JsonNode> out = new java.util.ArrayList<>();
    String next = path;
    while (next != null) {
      JsonNode page = getRetrying503(next).body();
      page.path("events").forEach(out::add);
      JsonNode link = page.get("next");
      assertTrue(link != null, () -> "a page without a next field: " + page);
      next = link.isNull() ? null : link.asText();
    }
    return out;
  }

  /**
   * Every event of a log ({@code /all} or {@code /categories/{c}}), page by page ({@code next} goes
   * back as {@code after}) until a page is empty; fails if {@code next} stops moving.
   */
  public java.util.List<JsonNode> readLog(String logPath) {
    java.util.List<JsonNode> out = new java.util.ArrayList<>();
    String after = null;
    while (true) {
      String page = logPath + "?limit=1000" + (after == null ? "" : "&after=" + after);
      JsonNode body = getRetrying503(page).body();
      if (body.path("events").isEmpty()) {
        return out;
      }
      body.path("events").forEach(out::add);
      String next = body.path("next").asText();
      assertTrue(!next.equals(after), () -> "next did not move past " + page);
      after = next;
    }
  }

  /** The position at the end of a log now: where a subscription for new events starts. */
  public String endOfLog(String logPath) {
    String after = null;
    while (true) {
      JsonNode page =
          getRetrying503(logPath + "?limit=1000" + (after == null ? "" : "&after=" + after)).body();
      if (page.path("events").isEmpty()) {
        return page.path("next").asText();
      }
      after = page.path("next").asText();
    }
  }

  /** GET {@code path}, retrying a 503 once a second for at most 60 s; asserts a final 200. */
  public Response getRetrying503(String path) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Response r = get(path);
    while (r.status() == 503 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      r = get(path);
    }
    Response last = r;
    assertEquals(200, last.status(), () -> "GET " + path + " answered " + last.raw());
    return last;
  }

  /**
   * POST {@code json} to {@code path}, again every {@code pause} while it answers 503 (as a client
   * honouring Retry-After would), for at most {@code atMost}; the last answer.
   */
  public Response postUntilNot503(String path, String json, Duration pause, Duration atMost)
      throws InterruptedException {
    Response r = post(path, json);
    long deadline = System.nanoTime() + atMost.toNanos();
    while (r.status() == 503 && System.nanoTime() < deadline) {
      Thread.sleep(pause.toMillis());
      r = post(path, json);
    }
    return r;
  }

  /** {"type": type, "data": data} as JSON text. */
  public static String event(String type, String dataJson) {
    return "{\"type\":\"" + type + "\",\"data\":" + dataJson + "}";
  }
}
