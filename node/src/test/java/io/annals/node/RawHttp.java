package io.annals.node;

import static io.annals.node.HttpJson.MAPPER;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Any method, content type and body against a node, for tests that check what the node answers to
 * any request (HttpJson assumes JSON answers): the body is parsed only when it is JSON.
 */
final class RawHttp {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  RawHttp(String base) {
    this.base = base;
  }

  /** An answer; {@code mediaType} is the Content-Type without parameters, {@code json} or null. */
  record Reply(int status, HttpHeaders headers, String mediaType, String raw, JsonNode json) {
    @Override
    public String toString() {
      return status + " " + mediaType + " " + raw.substring(0, Math.min(300, raw.length()));
    }
  }

  Reply post(String path, String json) {
    return send("POST", path, "application/json", json);
  }

  /** {@code headers} are name, value pairs; {@code contentType} and {@code body} may be null. */
  Reply send(String method, String path, String contentType, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      String media = mediaType(r.headers());
      JsonNode json =
          media.endsWith("json") && !r.body().isEmpty() ? MAPPER.readTree(r.body()) : null;
      return new Reply(r.statusCode(), r.headers(), media, r.body(), json);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends a GET and hands back the response as soon as its headers arrived. */
  HttpResponse<java.io.InputStream> stream(String path, String accept)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + path)).header("Accept", accept).GET().build();
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
  }

  static String mediaType(HttpHeaders headers) {
    return headers.firstValue("Content-Type").orElse("").split(";")[0].trim();
  }
}
