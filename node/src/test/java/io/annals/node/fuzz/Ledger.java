package io.annals.node.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the fuzz run saw: answers by status class, every 5xx and unreadable answer (with the request
 * that caused it), and the ids of the events the node said it wrote, which is all the store may
 * hold afterwards.
 */
public final class Ledger {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  private final Set<String> written = ConcurrentHashMap.newKeySet();
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong requests = new AtomicLong();

  /** Records one answer of {@code request}; a 2xx write answer adds its events to the ledger. */
  public void answered(Requests.Request request, RawClient.Answer a) {
    requests.incrementAndGet();
    count(request.kind() + " " + a.status());
    count("status " + (a.status() / 100) + "xx");
    String type = a.header("content-type") == null ? "" : a.header("content-type");
    if (a.status() >= 500 && !notYetIndexed(a) && !protocolAnswer(a)) {
      fail(request, a.status() + " " + a.text());
    }
    if (a.status() >= 400 && !type.startsWith("application/problem+json")) {
      fail(request, a.status() + " answered " + type + ", not problem+json");
    }
    if (a.status() / 100 == 2 && type.startsWith("application/")) {
      for (String line : a.text().split("\n")) {
        recordWrites(request, line);
      }
    }
  }

  /** A request that got no readable answer (the node closed the connection or broke HTTP). */
  public void unanswered(Requests.Request request, String why) {
    requests.incrementAndGet();
    count(request.kind() + " unanswered");
    if (!request.garbage()) {
      fail(request, "no answer: " + why);
    }
  }

  /** Events the test itself wrote (throughput probes) are part of the store too. */
  public void wrote(JsonNode appendAnswer) {
    appendAnswer.path("events").forEach(e -> addWritten(e));
  }

  private void recordWrites(Requests.Request request, String json) {
    if (json.isBlank()) {
      return;
    }
    JsonNode body;
    try {
      body = MAPPER.readTree(json);
    } catch (Exception notJson) {
      return;
    }
    if (body.path("status").asInt(200) >= 500) { // a line of append-stream, a write of many
      fail(request, "an answer inside a 2xx: " + json);
    }
    body.path("events").forEach(this::addWritten);
    body.path("results")
        .forEach(
            result -> {
              if (result.path("status").asInt() >= 500) {
                fail(request, "a write of a multi-write: " + result);
              }
              result.path("events").forEach(this::addWritten);
            });
  }

  private void addWritten(JsonNode event) {
    if (!event.path("deduplicated").asBoolean(false) && event.hasNonNull("id")) {
      written.add(event.get("id").asText());
    }
  }

  /**
   * 501 to a method HTTP does not define and 505 to a request line of another HTTP version: the
   * answers RFC 9110 prescribes for these client inputs (docs/api.md, Errors), not server faults.
   * They are counted, not failed.
   */
  private static boolean protocolAnswer(RawClient.Answer a) {
    return (a.status() == 501 && a.text().contains("/problems/method-not-implemented"))
        || (a.status() == 505 && a.text().contains("/problems/http-version-not-supported"));
  }

  private static boolean notYetIndexed(RawClient.Answer a) {
    return a.status() == 503 && a.text().contains("/problems/not-yet-indexed");
  }

  private void count(String key) {
    counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
  }

  private void fail(Requests.Request request, String what) {
    if (failures.size() < 10_000) {
      failures.add(
          what.substring(0, Math.min(400, what.length())) + "\n    request: " + request.summary());
    }
  }

  public long requests() {
    return requests.get();
  }

  public Set<String> written() {
    return written;
  }

  public List<String> failures() {
    synchronized (failures) {
      return new ArrayList<>(failures);
    }
  }

  public long count(String key, long orElse) {
    AtomicLong c = counts.get(key);
    return c == null ? orElse : c.get();
  }

  /** The counts, sorted by name, one per line. */
  public String summary() {
    StringBuilder out = new StringBuilder();
    new TreeMap<>(counts)
        .forEach((k, v) -> out.append("  ").append(k).append(": ").append(v).append('\n'));
    return out.toString();
  }
}
