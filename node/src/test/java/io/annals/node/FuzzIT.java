package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.annals.node.fuzz.Ledger;
import io.annals.node.fuzz.RawClient;
import io.annals.node.fuzz.Requests;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The abuse test of issue 20: a seeded fuzzer ({@link Requests}) sends mutated and random requests
 * (bodies, headers, query strings, stream names, huge and deep JSON, bad UTF-8, odd methods, raw
 * socket garbage) to a dev-mode node process, then checks that no answer was a 5xx (other than the
 * API's own "not yet indexed"), that every error was problem+json, that the store holds exactly the
 * events the node acknowledged (so no refused request changed anything: every stream gapless, /all
 * holding each event once), that the node's heap stayed bounded and that it appends as fast as
 * before. CI runs {@code -Dannals.fuzz.requests} (default 4,000); the full run is 100,000:
 *
 * <pre>mvn -B -ntp verify -pl node -am -Dit.test=FuzzIT -Dtest=none
 *   -Dsurefire.failIfNoSpecifiedTests=false -Dannals.fuzz.requests=100000
 *   -Djunit.jupiter.execution.timeout.default=40m</pre>
 *
 * (the default test timeout is 5 minutes; 100,000 requests take about 10 on 2 cores).
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuzzIT {
  private static final int REQUESTS = Integer.getInteger("annals.fuzz.requests", 4000);
  private static final long SEED = Long.getLong("annals.fuzz.seed", 20L);
  private static final int WORKERS = Integer.getInteger("annals.fuzz.workers", 4);
  private static final List<String> STREAMS =
      IntStream.range(0, 30).mapToObj(i -> "fz-" + i).toList();
  private NodeProcess node;
  private HttpJson http;
  private int port;

  @BeforeAll
  void startDevNode() throws Exception {
    Assumptions.assumeTrue(RealCassandra.externalNode().isEmpty(), "starts a node process");
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path logs = Files.createDirectories(Path.of("target/fuzz-it"));
    node =
        new NodeProcess(
            "dev.conf",
            port,
            0,
            Map.of(
                "ANNALS_CASSANDRA_CONTACT_POINTS",
                RealCassandra.contactPoint(),
                "ANNALS_JOURNAL_KEYSPACE",
                "fuzz_it",
                "ANNALS_SNAPSHOT_KEYSPACE",
                "fuzz_it_snapshot",
                "ANNALS_HTTP_PORT",
                Integer.toString(port)),
            logs.resolve("node.log"));
    node.start();
    node.awaitReady(Duration.ofMinutes(3));
    http = new HttpJson(node.baseUrl());
  }

  @AfterAll
  void stopNode() throws InterruptedException {
    if (node != null && node.isAlive()) {
      node.kill();
    }
  }

  @Test
  void fuzzedRequestsGetNo5xxChangeNothingWhenRefusedAndLeaveTheNodeAsFast() throws Exception {
    Ledger ledger = new Ledger();
    double speedBefore = warmedUpSpeed(ledger);
    long heapBefore = heapAfterGc();
    AtomicLong maxHeap = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    CompletableFuture<Void> sampler =
        CompletableFuture.runAsync(
            () -> {
              while (!done.get()) {
                maxHeap.accumulateAndGet(heapUsed(), Math::max);
                sleep(1000);
              }
            });
    long started = System.nanoTime();
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      int worker = w;
      workers.add(CompletableFuture.runAsync(() -> fuzz(worker, ledger)));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get();
    double fuzzSeconds = (System.nanoTime() - started) / 1e9;
    done.set(true);
    sampler.get();
    long rss = rssBytes();
    double speedAfter = appendsPerSecond("after", ledger);
    long heapAfter = heapAfterGc();
    Store store = readStore(ledger.written());

    System.out.printf(
        "FuzzIT: %d requests (seed %d, %d workers) in %.1f s (%.0f/s)%n%s"
            + "  appends/s before %.0f, after %.0f%n"
            + "  heap after GC before %d MiB, after %d MiB; max heap in use %d MiB; RSS %d MiB%n"
            + "  store: %d streams, %d events, %d in /all; %d events acknowledged%n"
            + "  failures: %d%n",
        ledger.requests(),
        SEED,
        WORKERS,
        fuzzSeconds,
        ledger.requests() / fuzzSeconds,
        ledger.summary(),
        speedBefore,
        speedAfter,
        heapBefore >> 20,
        heapAfter >> 20,
        maxHeap.get() >> 20,
        rss >> 20,
        store.streams,
        store.events,
        store.inAll,
        ledger.written().size(),
        ledger.failures().size());
    ledger.failures().stream().limit(20).forEach(f -> System.out.println("  FAILURE " + f));

    assertEquals(List.of(), ledger.failures().stream().limit(20).toList(), "5xx or bad answers");
    assertTrue(ledger.requests() >= REQUESTS, "every request was sent");
    assertEquals(List.of(), store.problems, "the store after the fuzz");
    assertEquals(ledger.written().size(), store.events, "events in the store = acknowledged");
    assertEquals(store.events, store.inAll, "/all holds every event once");
    assertTrue(
        heapAfter < heapBefore + (96L << 20),
        () ->
            "heap after GC grew from " + (heapBefore >> 20) + " to " + (heapAfter >> 20) + " MiB");
    assertTrue(
        speedAfter >= 0.6 * speedBefore,
        () -> "appends/s fell from " + speedBefore + " to " + speedAfter);
  }

  private void fuzz(int worker, Ledger ledger) {
    Requests requests = new Requests(new Random(SEED * 1000 + worker), STREAMS);
    int count = REQUESTS / WORKERS + (worker < REQUESTS % WORKERS ? 1 : 0);
    try (RawClient client = new RawClient("127.0.0.1", port)) {
      for (int i = 0; i < count; i++) {
        Requests.Request request = requests.next();
        try {
          if (request.garbage()) {
            List<RawClient.Answer> answers = client.garbage(request.bytes());
            if (answers.isEmpty()) {
              ledger.unanswered(request, "closed without an answer");
            }
            answers.forEach(a -> ledger.answered(request, a));
          } else {
            ledger.answered(request, client.exchange(request.bytes()));
          }
        } catch (IOException | RuntimeException e) {
          ledger.unanswered(request, e.toString());
        }
      }
    }
  }

  /**
   * Appends per second once the node has warmed up (its JIT, its log entities): measured again
   * until two measurements agree within 25%, at most three times (the after figure is often still
   * higher: the fuzz itself warms the node up further).
   */
  private double warmedUpSpeed(Ledger ledger) throws Exception {
    double last = appendsPerSecond("warm-up-0", ledger);
    for (int i = 1; i < 3; i++) {
      double now = appendsPerSecond("warm-up-" + i, ledger);
      if (Math.abs(now - last) <= 0.25 * Math.max(now, last)) {
        return now;
      }
      last = now;
    }
    return last;
  }

  /** Appends per second of 4 clients appending one event at a time for 2 s. */
  private double appendsPerSecond(String phase, Ledger ledger) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    List<CompletableFuture<Integer>> clients = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      String stream = "speed-" + phase + "-" + c;
      clients.add(
          CompletableFuture.supplyAsync(
              () -> {
                int n = 0;
                while (System.nanoTime() < end) {
                  var r = http.post("/streams/" + stream, HttpJson.event("Tick", "{\"n\":1}"));
                  assertEquals(201, r.status(), r.raw());
                  ledger.wrote(r.body());
                  n++;
                }
                return n;
              }));
    }
    int total = 0;
    for (var c : clients) {
      total += c.get();
    }
    return total / 2.0;
  }

  /** Every stream read back, checked against the acknowledged events, and /all. */
  private Store readStore(Set<String> written) throws Exception {
    Store store = new Store();
    Set<String> seen = new HashSet<>();
    Map<String, Long> versions = new HashMap<>();
    String after = null;
    while (true) {
      JsonNode page =
          http.getRetrying503("/streams?limit=1000" + (after == null ? "" : "&after=" + after))
              .body();
      for (JsonNode n : page.path("streams")) {
        String name = n.asText();
        if (!name.startsWith("$")) {
          versions.put(name, checkStream(name, written, seen, store));
        }
      }
      if (page.path("next").isNull()) {
        break;
      }
      after = page.path("next").asText();
    }
    store.streams = versions.size();
    for (String id : written) {
      if (!seen.contains(id)) {
        store.problems.add("acknowledged event " + id + " is in no stream");
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    do {
      store.inAll = countAll(store);
    } while (store.inAll < store.events && System.nanoTime() < deadline && sleep(1000));
    return store;
  }

  private long checkStream(String name, Set<String> written, Set<String> seen, Store store) {
    List<JsonNode> events = http.readAllPages("/streams/" + name + "?limit=1000");
    long expected = 1;
    for (JsonNode e : events) {
      if (e.path("version").asLong() != expected++) {
        store.problems.add(name + " has a gap or a repeat at version " + e.path("version"));
      }
      String id = e.path("id").asText();
      if (!written.contains(id)) {
        store.problems.add(
            name + " v" + e.path("version") + " (" + id + ") was never acknowledged");
      }
      seen.add(id);
      store.events++;
    }
    return events.size();
  }

  private long countAll(Store store) {
    Set<String> ids = new HashSet<>();
    long count = 0;
    for (JsonNode e : http.readLog("/all")) {
      if (e.path("stream").asText().startsWith("$")) {
        continue;
      }
      count++;
      if (!ids.add(e.path("id").asText())) {
        store.problems.add("/all holds " + e.path("id").asText() + " twice");
      }
    }
    return count;
  }

  private static final class Store {
    final List<String> problems = new ArrayList<>();
    long streams;
    long events;
    long inAll;
  }

  private long heapUsed() {
    return (long) NodeMetrics.sum(node.baseUrl(), "jvm_memory_used_bytes", "area=\"heap\"");
  }

  /** The node's heap in use right after a full GC (jcmd GC.run). */
  private long heapAfterGc() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path jcmd = Path.of(java).resolveSibling("jcmd");
    new ProcessBuilder(jcmd.toString(), Long.toString(node.pid()), "GC.run")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
    return heapUsed();
  }

  private long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + node.pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return 0;
  }

  private static boolean sleep(long ms) {
    try {
      Thread.sleep(ms);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
