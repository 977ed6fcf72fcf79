package io.annals.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

/** Appends over real HTTP to a node: ~200-byte events, one or many per request, keyed or not. */
final class HttpAppends {
  static final String PAYLOAD =
      "{\"orderId\":\"0b7e3c52-1f4a-4d2e-9a57-3c1d2e4f5a6b\",\"customer\":\"c-4711\",\"lines\":"
          + "[{\"sku\":\"sku-123\",\"qty\":2,\"price\":\"19.90\"}],\"currency\":\"EUR\",\"note\":\"benchmark\"}";
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .executor(Executors.newFixedThreadPool(4))
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String base;

  HttpAppends(String base) {
    this.base = base;
  }

  static String events(int count, String key) {
    StringBuilder b = new StringBuilder(count * 260).append('[');
    for (int i = 0; i < count; i++) {
      b.append(i > 0 ? "," : "").append("{\"type\":\"OrderPlaced\",");
      if (key != null) {
        b.append("\"key\":\"").append(key).append("\",");
      }
      b.append("\"data\":").append(PAYLOAD).append('}');
    }
    return b.append(']').toString();
  }

  /** Appends {@code body} to {@code stream}; completes with {@code events} on 2xx, 0 otherwise. */
  CompletableFuture<Integer> append(String stream, String body, int events) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/streams/" + stream))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .thenApply(r -> r.statusCode() / 100 == 2 ? events : 0);
  }

  /**
   * Milliseconds until {@code GET /streams/{stream}?from=..&limit=1} answers (recovers the stream).
   */
  long timeFirstRead(String stream, long from) throws Exception {
    long start = System.nanoTime();
    long deadline = start + Duration.ofMinutes(5).toNanos();
    HttpResponse<String> r;
    do {
      // a recovery longer than the node's ask timeout answers 503: ask again, keep the clock
      r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(base + "/streams/" + stream + "?from=" + from + "&limit=1"))
                  .timeout(Duration.ofMinutes(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } while (r.statusCode() == 503 && System.nanoTime() < deadline);
    if (r.statusCode() != 200) {
      throw new IllegalStateException("read answered " + r.statusCode() + ": " + r.body());
    }
    return (System.nanoTime() - start) / 1_000_000;
  }
}
