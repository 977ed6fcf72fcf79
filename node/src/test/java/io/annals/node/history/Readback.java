package io.annals.node.history;

import com.fasterxml.jackson.databind.JsonNode;
import io.annals.node.HttpJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one node reads back after the run: every stream of the history (all pages, with the version
 * the stream entity reports), {@code /all} and each category log (all pages). A read that fails
 * after HttpJson's retries of 503 is recorded, not thrown, so the checker reports it.
 */
final class Readback {
  /** A stream as read: the version its first page reported and its events in order. */
  record StreamRead(long version, List<JsonNode> events) {}

  final String node;
  final Map<String, StreamRead> streams = new LinkedHashMap<>();
  final Map<String, List<JsonNode>> logs = new LinkedHashMap<>();
  final List<String> failures = new ArrayList<>();

  private Readback(String node) {
    this.node = node;
  }

  static Readback read(String node, List<String> streams, List<String> categories) {
    Readback r = new Readback(node);
    HttpJson http = new HttpJson(node);
    for (String s : streams) {
      try {
        r.streams.put(s, readStream(http, s));
      } catch (RuntimeException | AssertionError e) {
        r.failures.add("GET /streams/" + s + " through " + node + ": " + e.getMessage());
      }
    }
    List<String> logs = new ArrayList<>();
    logs.add("/all");
    categories.forEach(c -> logs.add("/categories/" + c));
    for (String log : logs) {
      try {
        r.logs.put(log, http.readLog(log));
      } catch (RuntimeException | AssertionError e) {
        r.failures.add("GET " + log + " through " + node + ": " + e.getMessage());
      }
    }
    return r;
  }

  private static StreamRead readStream(HttpJson http, String stream) {
    HttpJson.Response first = http.get("/streams/" + stream + "?limit=1000");
    if (first.status() == 404) {
      return new StreamRead(0, List.of());
    }
    first =
        first.status() == 200 ? first : http.getRetrying503("/streams/" + stream + "?limit=1000");
    List<JsonNode> events = new ArrayList<>();
    first.body().path("events").forEach(events::add);
    JsonNode next = first.body().path("next");
    if (!next.isNull() && !next.isMissingNode()) {
      events.addAll(http.readAllPages(next.asText()));
    }
    return new StreamRead(first.body().path("version").asLong(), events);
  }

  /**
   * Waits until each category log holds as many events of each stream as the stream's version, and
   * {@code /all} as many as all of them (indexing is asynchronous, and a removed member's index
   * work is swept 30 s later); false if that did not happen within {@code timeout}.
   */
  static boolean awaitIndexed(
      String node, List<String> streams, List<String> categories, Duration timeout)
      throws InterruptedException {
    HttpJson http = new HttpJson(node);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        Map<String, Long> versions = new HashMap<>();
        long total = 0;
        for (String s : streams) {
          long v = readStream(http, s).version();
          versions.put(s, v);
          total += v;
        }
        Map<String, Long> indexed = new HashMap<>();
        for (String c : categories) {
          for (JsonNode e : http.readLog("/categories/" + c)) {
            indexed.merge(e.path("stream").asText(), 1L, Long::sum);
          }
        }
        boolean complete = http.readLog("/all").size() == total;
        for (String s : streams) {
          complete &= indexed.getOrDefault(s, 0L).equals(versions.get(s));
        }
        if (complete) {
          return true;
        }
      } catch (RuntimeException | AssertionError e) {
        // a node still busy: try again
      }
      Thread.sleep(3000);
    }
    return false;
  }
}
