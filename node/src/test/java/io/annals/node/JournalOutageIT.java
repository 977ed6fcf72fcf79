package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.annals.node.dev.DevCassandra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Cassandra stopped under a running node (a Cassandra of this class's own): appends and reads
 * answer 503 with Retry-After within the configured timeouts, never hang; a burst cut by the outage
 * leaves each stream a gap-free prefix of what was acknowledged, over separate requests and over
 * one streaming request; everything works again once it is back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JournalOutageIT {
  private DevCassandra cassandra;
  private AnnalsNode node;
  private HttpJson http;

  @BeforeAll
  void start() {
    cassandra = RealCassandra.startPrivate("outage");
    node =
        AnnalsNode.start(
            RealCassandra.nodeConfig("outage_it", cassandra.contactPoint()), Duration.ofMinutes(2));
    http = new HttpJson(node.baseUrl());
  }

  @AfterAll
  void stop() {
    node.close();
    cassandra.close();
  }

  @Test
  void answers503WhileCassandraIsDownAndRecoversWhenItIsBack() throws Exception {
    String s = "payment-" + UUID.randomUUID();
    assertEquals(201, http.post("/streams/" + s, event("Authorised", "1")).status());

    cassandra.stop();
    long started = System.nanoTime();
    HttpJson.Response down = http.post("/streams/" + s, event("Captured", "2"));
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(503, down.status());
    assertEquals("application/problem+json", down.contentType());
    assertEquals("1", down.header("Retry-After"));
    assertTrue(millis < 10_000, "answered within the ask timeout, took " + millis + " ms");
    assertEquals(503, http.post("/streams/other-" + UUID.randomUUID(), event("A", "1")).status());
    assertEquals(503, http.get("/streams/" + s).status());
    assertEquals(503, http.get("/ready").status(), "not ready without a journal");

    cassandra.restart();
    HttpJson.Response up =
        appendUntilNot503(s, "{\"expectedVersion\":1,\"events\":[" + event("Captured", "2") + "]}");
    assertEquals(201, up.status(), () -> "append after Cassandra is back: " + up.body());
    assertEquals(2, up.body().path("lastVersion").asLong(), "no gap, nothing lost");
    assertEquals(200, http.get("/ready").status());
  }

  @Test
  void leavesEachStreamAGapFreePrefixOfTheAcknowledgedAppendsWhenCassandraStopsMidBurst()
      throws Exception {
    String s = "ledger-" + UUID.randomUUID();
    int clients = 8;
    Map<String, Integer> outcome = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      writers.add(
          CompletableFuture.runAsync(
              () -> {
                for (int n = 0; n < 400; n++) {
                  String tag = client + "/" + n;
                  HttpJson.Response r =
                      http.post("/streams/" + s, event("Entry", "{\"tag\":\"" + tag + "\"}"));
                  outcome.put(tag, r.status());
                  if (r.status() == 503) {
                    return;
                  }
                }
              },
              pool));
    }
    Thread.sleep(1500);
    cassandra.stop();
    CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get();
    pool.shutdown();
    cassandra.restart();
    appendUntilNot503("probe-" + UUID.randomUUID(), event("Probe", "1"));

    List<JsonNode> stored = http.readAllPages("/streams/" + s + "?limit=1000");
    Map<String, Long> storedVersion = new HashMap<>();
    for (int i = 0; i < stored.size(); i++) {
      assertEquals(i + 1L, stored.get(i).path("version").asLong(), "gap-free");
      storedVersion.put(
          stored.get(i).path("data").path("tag").asText(), stored.get(i).path("version").asLong());
    }
    long acknowledged = outcome.values().stream().filter(st -> st == 201).count();
    assertTrue(
        acknowledged > 0 && outcome.containsValue(503),
        "the outage cut the burst: " + acknowledged + " acked");
    outcome.forEach(
        (tag, status) -> {
          assertTrue(status == 201 || status == 503, tag + " answered " + status);
          if (status == 201) {
            assertTrue(storedVersion.containsKey(tag), "acknowledged " + tag + " is stored");
          }
        });
    assertTrue(
        stored.size() - acknowledged <= clients,
        "at most the writes in flight at the outage may be stored unacknowledged");
  }

  @Test
  void aStreamingAppendCutByTheOutageAcknowledgesAGapFreePrefixInLineOrder() throws Exception {
    String s = "meter-" + UUID.randomUUID();
    java.io.PipedOutputStream lines = new java.io.PipedOutputStream();
    java.io.PipedInputStream body = new java.io.PipedInputStream(lines, 1 << 16);
    java.net.http.HttpRequest request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(node.baseUrl() + "/streams/" + s + "/append-stream"))
            .header("Content-Type", "application/x-ndjson")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> body))
            .build();
    CompletableFuture<java.net.http.HttpResponse<java.util.stream.Stream<String>>> response =
        java.net.http.HttpClient.newHttpClient()
            .sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofLines());
    // ~300 appends a second: 1.5 s before the outage, 4 s into it
    int total = 1_650;
    for (int n = 1; n <= total; n++) {
      lines.write(
          ("{\"events\":[" + event("Read", "{\"n\":" + n + "}") + "]}\n")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      if (n % 30 == 0) {
        lines.flush();
        Thread.sleep(100);
      }
      if (n == 450) {
        cassandra.stop();
      }
    }
    lines.close();
    List<JsonNode> answers = new ArrayList<>();
    for (String l : response.get(2, java.util.concurrent.TimeUnit.MINUTES).body().toList()) {
      answers.add(HttpJson.MAPPER.readTree(l));
    }
    cassandra.restart();
    appendUntilNot503("probe-" + UUID.randomUUID(), event("Probe", "1"));

    assertEquals(total, answers.size(), "one answer per line");
    long lastVersion = 0;
    boolean failed = false;
    List<Long> acknowledged = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      JsonNode a = answers.get(i);
      assertEquals(i + 1, a.path("line").asLong(), "answers in line order");
      int status = a.path("status").asInt();
      assertTrue(status == 201 || status == 503, a::toString);
      if (status == 503) {
        failed = true;
      } else {
        // while Cassandra stays down, nothing after a failed append is acknowledged
        assertTrue(!failed, () -> "201 after a 503 during the outage: " + a);
        assertTrue(a.path("firstVersion").asLong() > lastVersion, "versions increase");
        lastVersion = a.path("lastVersion").asLong();
        acknowledged.add((long) i + 1);
      }
    }
    assertTrue(failed && !acknowledged.isEmpty(), "the outage cut the stream of appends");
    List<JsonNode> stored = http.readAllPages("/streams/" + s + "?limit=1000");
    for (int i = 0; i < stored.size(); i++) {
      assertEquals(i + 1L, stored.get(i).path("version").asLong(), "gap-free");
      assertEquals(i + 1L, stored.get(i).path("data").path("n").asLong(), "in line order");
    }
    assertTrue(stored.size() >= acknowledged.size(), "every acknowledged append is stored");
    assertTrue(
        stored.size() - acknowledged.size() <= 64,
        "at most the appends in flight at the outage are stored unacknowledged");
  }

  /** Retries like a client honouring Retry-After, until the journal is back (at most 90 s). */
  private HttpJson.Response appendUntilNot503(String stream, String body)
      throws InterruptedException {
    return http.postUntilNot503(
        "/streams/" + stream, body, Duration.ofSeconds(1), Duration.ofSeconds(90));
  }
}
