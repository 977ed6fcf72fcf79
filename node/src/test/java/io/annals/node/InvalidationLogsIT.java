package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code excludeInvalidated=true} across streams on real Cassandra: category and global reads leave
 * out exactly the events of invalidated transactions while {@code next} still moves past them, live
 * subscriptions receive the {@code $invalidate} event after the events it invalidates, and catch-up
 * subscriptions opened after an invalidation leave the invalidated events out.
 */
class InvalidationLogsIT extends OneNodeIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final String category = "inval" + run;
  private final String stream = category + "-fixture";
  private String allBefore;

  @Override
  protected String keyspace() {
    return "invalidation_logs_it";
  }

  /**
   * The fixture: transaction 1 (versions 1 and 2), 2 (version 3) and 3 (version 4) of one stream,
   * then transaction 2 invalidated (the {@code $invalidate} event is version 5, transaction 4), all
   * of it indexed in /all and the category log.
   */
  @BeforeAll
  void writeThreeTransactionsAndInvalidateTheSecond() {
    allBefore = http.endOfLog("/all");
    writeThreeTransactions(stream);
    String position = invalidateTransactionTwo(stream);
    assertEquals(200, http.get("/all?limit=1&timeout=20s&waitFor=" + position).status());
    assertEquals(
        200,
        http.get("/categories/" + category + "?limit=1&timeout=20s&waitFor=" + position).status());
  }

  @Test
  void leavesTheInvalidatedTransactionOutOfCategoryReadsOnlyWhenAsked() {
    String log = "/categories/" + category;
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), versionsOf(stream, readLog(log, "", null, 1000)));
    assertEquals(
        List.of(1L, 2L, 4L, 5L),
        versionsOf(stream, readLog(log, "&excludeInvalidated=true", null, 1000)));
    assertEquals(
        List.of(1L, 2L, 3L, 4L, 5L),
        versionsOf(stream, readLog(log, "&excludeInvalidated=false", null, 1000)));
  }

  @Test
  void leavesTheInvalidatedTransactionOutOfGlobalReadsOnlyWhenAsked() {
    assertEquals(
        List.of(1L, 2L, 3L, 4L, 5L), versionsOf(stream, readLog("/all", "", allBefore, 1000)));
    List<JsonNode> valid = readLog("/all", "&excludeInvalidated=true", allBefore, 1000);
    assertEquals(List.of(1L, 2L, 4L, 5L), versionsOf(stream, valid));
    JsonNode marker =
        valid.stream()
            .filter(e -> e.path("stream").asText().equals(stream))
            .filter(e -> e.path("version").asLong() == 5)
            .findFirst()
            .orElseThrow();
    assertEquals("$invalidate", marker.path("type").asText(), "the $invalidate event stays");
    assertEquals(2, marker.path("data").path("transaction").asLong());
  }

  @Test
  void pagesPastInvalidatedEventsCoveringEveryValidEventExactlyOnce() {
    for (String log : List.of("/categories/" + category, "/all")) {
      String from = log.equals("/all") ? allBefore : null;
      List<String> expected = ids(withoutInvalidated(readLog(log, "", from, 1000)));
      for (int limit : new int[] {1, 2, 3, 1000}) {
        List<String> paged = ids(readLog(log, "&excludeInvalidated=true", from, limit));
        assertEquals(expected, paged, log + " paged by " + limit);
        assertEquals(paged.size(), new HashSet<>(paged).size(), log + " each event once");
      }
    }
  }

  @Test
  void deliversTheInvalidateEventToLiveSubscriptionsAfterTheEventsItInvalidates() throws Exception {
    String live = category + "-live";
    String base = baseUrl();
    try (SseClient ofStream = new SseClient(base + "/streams/" + live + "/subscribe");
        SseClient ofValid =
            new SseClient(base + "/streams/" + live + "/subscribe?excludeInvalidated=true");
        SseClient ofCategory = new SseClient(base + "/categories/" + category + "/subscribe");
        SseClient ofAll = new SseClient(base + "/all/subscribe?after=" + http.endOfLog("/all"))) {
      List<SseClient> subscriptions = List.of(ofStream, ofValid, ofCategory, ofAll);
      // given: the three transactions have reached every subscription live
      writeThreeTransactions(live);
      for (SseClient s : subscriptions) {
        assertEquals(List.of(1L, 2L, 3L, 4L), versions(eventsOf(s, live, 4)));
      }

      // when
      invalidateTransactionTwo(live);

      // then: an event sent before its invalidation is not taken back; the $invalidate follows it
      for (SseClient s : subscriptions) {
        SseClient.Message message = eventsOf(s, live, 1).get(0);
        JsonNode marker = json(message);
        assertNull(message.event(), "no event: line by default; the type is in the data");
        assertEquals("$invalidate", marker.path("type").asText());
        assertEquals(5, marker.path("version").asLong(), "right after the invalidated events");
        assertEquals(4, marker.path("transaction").asLong(), "in a transaction of its own");
        assertEquals(2, marker.path("data").path("transaction").asLong(), "names transaction 2");
        assertEquals("entered twice", marker.path("data").path("reason").asText());
      }
    }
  }

  @Test
  void leavesTheInvalidatedTransactionOutOfCatchUpSubscriptionsWhenAsked() throws Exception {
    String base = baseUrl();
    try (SseClient ofStream =
            new SseClient(base + "/streams/" + stream + "/subscribe?excludeInvalidated=true");
        SseClient ofCategory =
            new SseClient(base + "/categories/" + category + "/subscribe?excludeInvalidated=true");
        SseClient ofAll =
            new SseClient(base + "/all/subscribe?excludeInvalidated=true&after=" + allBefore);
        SseClient unfiltered = new SseClient(base + "/streams/" + stream + "/subscribe")) {
      for (SseClient s : List.of(ofStream, ofCategory, ofAll)) {
        List<SseClient.Message> got = eventsOf(s, stream, 4);
        assertEquals(List.of(1L, 2L, 4L, 5L), versions(got), "transactions 1, 3 and 4 only");
        assertEquals("$invalidate", json(got.get(3)).path("type").asText());
        assertEquals(2, json(got.get(3)).path("data").path("transaction").asLong());
      }
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L), versions(unfiltered.events(5, WAIT)));
    }
  }

  @Test
  void refusesABadExcludeInvalidatedValueNamingTheParameter() {
    for (String path :
        List.of(
            "/all?excludeInvalidated=yes",
            "/categories/" + category + "?excludeInvalidated=yes",
            "/all/subscribe?excludeInvalidated=yes",
            "/categories/" + category + "/subscribe?excludeInvalidated=yes",
            "/streams/" + stream + "/subscribe?excludeInvalidated=yes")) {
      JsonNode problem =
          getWithin(path, Duration.ofSeconds(10)).assertProblem(400, "invalid-query-parameter");
      String detail = problem.path("detail").asText();
      assertTrue(detail.contains("'excludeInvalidated'"), () -> path + ": " + detail);
      assertTrue(detail.contains("yes"), () -> path + ": " + detail);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Transactions 1 (two events), 2 (one) and 3 (one) of {@code s}. */
  private void writeThreeTransactions(String s) {
    List<String> appends =
        List.of(
            "[" + event("Placed", "{\"n\":1}") + "," + event("Priced", "{\"n\":2}") + "]",
            event("Mistyped", "{\"n\":3}"),
            event("Shipped", "{\"n\":4}"));
    for (int t = 0; t < appends.size(); t++) {
      HttpJson.Response r = http.post("/streams/" + s, appends.get(t));
      assertEquals(201, r.status(), r.raw());
      assertEquals(t + 1, r.body().path("transaction").asLong(), r.raw());
    }
  }

  /** Invalidates transaction 2 of {@code s}; returns the invalidation's position. */
  private String invalidateTransactionTwo(String s) {
    HttpJson.Response r =
        http.post("/streams/" + s + "/transactions/2/invalidate", "{\"reason\":\"entered twice\"}");
    assertEquals(201, r.status(), r.raw());
    assertEquals(4, r.body().path("transaction").asLong(), r.raw());
    assertEquals(5, r.body().path("lastVersion").asLong(), r.raw());
    return r.body().path("position").asText();
  }

  /**
   * The events of this run's streams in a log from {@code after} (null: the start), following
   * {@code next} until it stops moving. A filtered page may be empty while {@code next} moves on,
   * so only a {@code next} equal to {@code after} ends the read.
   */
  private List<JsonNode> readLog(String log, String filter, String after, int limit) {
    List<JsonNode> out = new ArrayList<>();
    String next = after;
    for (int pages = 0; pages < 10_000; pages++) {
      String url = log + "?limit=" + limit + filter + (next == null ? "" : "&after=" + next);
      JsonNode page = http.getRetrying503(url).body();
      String moved = page.path("next").asText();
      assertFalse(moved.isEmpty(), () -> url + " answered no next: " + page);
      if (moved.equals(next)) {
        assertTrue(page.path("events").isEmpty(), () -> url + " did not move past " + page);
        return out.stream()
            .filter(e -> e.path("stream").asText().startsWith(category + "-"))
            .toList();
      }
      page.path("events").forEach(out::add);
      next = moved;
    }
    return fail("more than 10,000 pages of " + log);
  }

  /** The events whose transaction no {@code $invalidate} event among {@code events} names. */
  private static List<JsonNode> withoutInvalidated(List<JsonNode> events) {
    Set<String> invalidated = new HashSet<>();
    for (JsonNode e : events) {
      if (e.path("type").asText().equals("$invalidate")) {
        invalidated.add(e.path("stream").asText() + "/" + e.path("data").path("transaction"));
      }
    }
    return events.stream()
        .filter(e -> !invalidated.contains(e.path("stream").asText() + "/" + e.path("transaction")))
        .toList();
  }

  /** The next {@code n} events of stream {@code s} a subscription delivers, skipping others. */
  private static List<SseClient.Message> eventsOf(SseClient subscription, String s, int n)
      throws InterruptedException {
    List<SseClient.Message> out = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (out.size() < n) {
      Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
      SseClient.Message m = subscription.events(1, left).get(0);
      if (json(m).path("stream").asText().equals(s)) {
        out.add(m);
      }
    }
    return out;
  }

  /** GET {@code path}, failing if no complete answer arrives within {@code limit}. */
  private HttpJson.Response getWithin(String path, Duration limit) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET().build();
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .sendAsync(request, HttpResponse.BodyHandlers.ofString())
              .get(limit.toMillis(), TimeUnit.MILLISECONDS);
      JsonNode body = r.body().isEmpty() ? null : HttpJson.MAPPER.readTree(r.body());
      String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0];
      return new HttpJson.Response(r.statusCode(), r.headers(), body, type, r.body());
    } catch (TimeoutException e) {
      return fail(path + " gave no complete answer within " + limit + " (a stream, not a 400?)");
    } catch (IOException e) {
      throw new UncheckedIOException(path + " answered no JSON", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(path, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static List<Long> versionsOf(String s, List<JsonNode> events) {
    return events.stream()
        .filter(e -> e.path("stream").asText().equals(s))
        .map(e -> e.path("version").asLong())
        .toList();
  }

  private static List<Long> versions(List<SseClient.Message> messages) {
    return messages.stream().map(m -> json(m).path("version").asLong()).toList();
  }

  private static List<String> ids(List<JsonNode> events) {
    return events.stream().map(e -> e.path("id").asText()).toList();
  }

  private static JsonNode json(SseClient.Message m) {
    try {
      return HttpJson.MAPPER.readTree(m.data());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + m.data(), e);
    }
  }
}
