package io.annals.node;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Measures failover as a client sees it: streams touched on every node before a node is killed,
 * then, from the kill on, each stream appended to through the surviving nodes every 100 ms (each
 * attempt given up after 1 s) until one append is acknowledged. Streams whose first append after
 * the kill took longer than a second lived on the killed node; their times are the failover.
 */
final class FailoverProbes {
  private static final Duration ATTEMPT = Duration.ofSeconds(1);
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(ATTEMPT).build();
  private final List<String> streams = new ArrayList<>();

  FailoverProbes(int count) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    for (int i = 0; i < count; i++) {
      streams.add("failover" + run + "-" + i);
    }
  }

  /** One append to each stream, so that each has a live entity on the node owning its shard. */
  void touch(List<NodeProcess> via) {
    for (String s : streams) {
      if (firstAcknowledged(s, via, System.nanoTime(), Duration.ofSeconds(60)) == null) {
        throw new AssertionError(s + " could not be written before the kill");
      }
    }
  }

  /** From {@code killedAtNanos}, each stream's time to its first acknowledged append. */
  Map<String, Duration> afterKill(List<NodeProcess> via, long killedAtNanos, Duration atMost) {
    Map<String, Duration> times = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> probes = new ArrayList<>();
    for (String s : streams) {
      probes.add(
          CompletableFuture.runAsync(
              () -> {
                Duration t = firstAcknowledged(s, via, killedAtNanos, atMost);
                times.put(s, t == null ? atMost : t);
              },
              r -> new Thread(r, "failover-probe").start()));
    }
    CompletableFuture.allOf(probes.toArray(CompletableFuture[]::new)).join();
    return times;
  }

  /** The killed node's streams (first append after the kill took over a second): sorted times. */
  static List<Duration> failovers(Map<String, Duration> times) {
    return times.values().stream().filter(t -> t.compareTo(ATTEMPT) > 0).sorted().toList();
  }

  private Duration firstAcknowledged(
      String stream, List<NodeProcess> via, long from, Duration max) {
    long deadline = from + max.toNanos();
    for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
      NodeProcess node = via.get(attempt % via.size());
      String body =
          "{\"events\":[{\"id\":\"%s\",\"type\":\"Probe\",\"data\":{}}]}"
              .formatted(UUID.randomUUID());
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(node.baseUrl() + "/streams/" + stream))
                    .timeout(ATTEMPT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 201) {
          return Duration.ofNanos(System.nanoTime() - from);
        }
      } catch (java.io.IOException e) {
        // timed out or refused: try again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
      sleep(100);
    }
    return null;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
