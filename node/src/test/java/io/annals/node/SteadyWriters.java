package io.annals.node;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients appending steadily to their own streams through every routable node of a cluster, as an
 * application behind a load balancer would: each append expects the stream's previous version and
 * carries a fixed event id, so a retry after an error (sent to the next node) is idempotent. It
 * records every acknowledgement, every error (with the node it came from) and the longest time an
 * append took from its first attempt to its acknowledgement.
 */
final class SteadyWriters {
  /** An error answer or failed request, and the node that gave it. */
  record Failure(String node, String what) {}

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final List<NodeProcess> nodes;
  private final Set<NodeProcess> routable = ConcurrentHashMap.newKeySet();
  private final List<List<String>> streams = new ArrayList<>();
  private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
  private final List<Failure> failures = new CopyOnWriteArrayList<>();
  private final List<String> fatal = new CopyOnWriteArrayList<>();
  private final AtomicLong longestNanos = new AtomicLong();
  private final AtomicInteger nextNode = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  SteadyWriters(List<NodeProcess> nodes, int writers, int streamsPerWriter) {
    this.nodes = nodes;
    routable.addAll(nodes);
    String run = UUID.randomUUID().toString().substring(0, 8);
    for (int w = 0; w < writers; w++) {
      List<String> own = new ArrayList<>();
      for (int s = 0; s < streamsPerWriter; s++) {
        own.add("steady" + run + "-" + w + "x" + s);
      }
      streams.add(own);
    }
  }

  List<String> streams() {
    return streams.stream().flatMap(List::stream).toList();
  }

  /** Whether clients send requests to {@code node} (a load balancer's endpoint list). */
  void route(NodeProcess node, boolean on) {
    if (on) {
      routable.add(node);
    } else {
      routable.remove(node);
    }
  }

  void start() {
    running = true;
    for (List<String> own : streams) {
      Thread t = new Thread(() -> write(own), "writer-" + threads.size());
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** Stops after each writer's current append is acknowledged (or given up on). */
  void stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(Duration.ofSeconds(120).toMillis());
    }
  }

  /** Per stream, how many appends were acknowledged (the stream's events 1..n). */
  Map<String, Long> acknowledged() {
    return acknowledged;
  }

  long totalAcknowledged() {
    return acknowledged.values().stream().mapToLong(Long::longValue).sum();
  }

  List<Failure> failures() {
    return failures;
  }

  /** Appends given up on or answered in a way that must never happen (e.g. 409). */
  List<String> fatal() {
    return fatal;
  }

  Duration longestAppend() {
    return Duration.ofNanos(longestNanos.get());
  }

  private void write(List<String> own) {
    long n = 0;
    while (running) {
      String stream = own.get((int) (n++ % own.size()));
      long seq = acknowledged.getOrDefault(stream, 0L) + 1;
      if (!append(stream, seq)) {
        return;
      }
      acknowledged.put(stream, seq);
    }
  }

  /** Sends one append until it is acknowledged; false when given up on after 90 s. */
  private boolean append(String stream, long seq) {
    UUID id = UUID.nameUUIDFromBytes((stream + "/" + seq).getBytes(StandardCharsets.UTF_8));
    String body =
        "{\"expectedVersion\":%d,\"events\":[{\"id\":\"%s\",\"type\":\"Step\",\"data\":{\"seq\":%d}}]}"
            .formatted(seq - 1, id, seq);
    long started = System.nanoTime();
    long deadline = started + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      NodeProcess node = pick();
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(node.baseUrl() + "/streams/" + stream))
                    .timeout(Duration.ofSeconds(25))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 201 || r.statusCode() == 200) {
          longestNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
          return true;
        }
        failures.add(new Failure(node.toString(), r.statusCode() + " " + r.body()));
        if (r.statusCode() != 503) {
          fatal.add(stream + "/" + seq + " answered " + r.statusCode() + " " + r.body());
          return false;
        }
      } catch (java.io.IOException e) {
        failures.add(new Failure(node.toString(), e.toString()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    fatal.add(stream + "/" + seq + " not acknowledged within 90 s");
    return false;
  }

  private NodeProcess pick() {
    while (true) {
      NodeProcess node = nodes.get(Math.floorMod(nextNode.getAndIncrement(), nodes.size()));
      if (routable.contains(node)) {
        return node;
      }
    }
  }
}
