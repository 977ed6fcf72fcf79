package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.annals.api.ExpectedVersion;
import io.annals.node.stream.NewEvent;
import io.annals.node.stream.StreamEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;

/** Many clients appending to one stream at once: ordered, every append answered, nothing lost. */
class ConcurrentAppendIT extends OneNodeIT {
  @Override
  protected String keyspace() {
    return "concurrent_append_it";
  }

  @Test
  void letsExactlyOneOfTenWritersWithTheSameExpectedVersionWin() {
    String s = "race-" + UUID.randomUUID();
    http.post("/streams/" + s, event("Created", "{}"));
    List<CompletableFuture<HttpJson.Response>> answers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      answers.add(
          http.postAsync(
              "/streams/" + s,
              "{\"expectedVersion\":1,\"events\":["
                  + event("Won", "{\"writer\":" + i + "}")
                  + "]}"));
    }
    List<Integer> statuses = answers.stream().map(f -> f.join().status()).toList();
    assertEquals(1, statuses.stream().filter(st -> st == 201).count(), statuses.toString());
    assertEquals(9, statuses.stream().filter(st -> st == 409).count(), statuses.toString());
    assertEquals(2, http.get("/streams/" + s).body().path("version").asLong());
  }

  @Test
  void givesEightClientsTimesFiftyAppendsVersionsOneToFourHundredInEachClientsOrder()
      throws Exception {
    assertClientsInterleaveCorrectly(8, 50);
  }

  @Test
  void givesSixteenClientsTimesFiveHundredAppendsVersionsOneToEightThousandInGroupedWrites()
      throws Exception {
    double writesBefore = metric("annals_journal_batch_appends_count");
    double appendsBefore = metric("annals_journal_batch_appends_sum");
    assertClientsInterleaveCorrectly(16, 500);
    double writes = metric("annals_journal_batch_appends_count") - writesBefore;
    double appends = metric("annals_journal_batch_appends_sum") - appendsBefore;
    assertEquals(8000, appends, 0.0, "every append went through a journal write");
    assertTrue(
        writes < appends,
        "appends were grouped: " + appends + " appends in " + writes + " journal writes");
  }

  @Test
  void answersAMixedExpectedVersionBurstExactlyAsSequentialApplicationWould() {
    assumeInProcessNode();
    String s = "mixed-" + UUID.randomUUID();
    var entity = ClusterSharding.get(node.system()).entityRefFor(StreamEntity.TYPE_KEY, s);
    Random random = new Random(42);
    List<ExpectedVersion> expected = new ArrayList<>();
    List<CompletableFuture<StreamEntity.AppendReply>> replies = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      int pick = random.nextInt(4);
      ExpectedVersion e =
          pick == 0
              ? ExpectedVersion.ANY
              : pick == 1
                  ? ExpectedVersion.EXISTS
                  : ExpectedVersion.exactly(random.nextInt(i / 3 + 2));
      expected.add(e);
      NewEvent event = new NewEvent(UUID.randomUUID(), "Step", 1, null, Integer.toString(i), null);
      // sent from one thread through the local shard region: arrival order is send order
      replies.add(
          entity
              .<StreamEntity.AppendReply>ask(
                  r -> new StreamEntity.Append(e, List.of(event), r), Duration.ofSeconds(30))
              .toCompletableFuture());
    }
    long version = 0;
    int written = 0;
    for (int i = 0; i < 300; i++) {
      StreamEntity.AppendReply reply = replies.get(i).join();
      if (expected.get(i).isSatisfiedBy(version)) {
        version++;
        written++;
        assertEquals(version, ((StreamEntity.Appended) reply).lastVersion(), "append " + i);
      } else {
        assertEquals(
            new StreamEntity.WrongExpectedVersion(expected.get(i), version), reply, "append " + i);
      }
    }
    assertTrue(
        written > 50 && written < 300, "the burst mixes successes and conflicts: " + written);
    assertEquals(version, http.get("/streams/" + s).body().path("version").asLong());
  }

  private double metric(String name) {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    try {
      String text =
          client
              .send(
                  java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/metrics"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      return text.lines()
          .filter(l -> l.startsWith(name + " "))
          .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
          .findFirst()
          .orElseThrow();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code clients} clients in parallel, each appending {@code perClient} events in sequence. */
  void assertClientsInterleaveCorrectly(int clients, int perClient) throws Exception {
    String s = "burst-" + UUID.randomUUID();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<CompletableFuture<List<Long>>> acked = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      acked.add(
          CompletableFuture.supplyAsync(
              () -> {
                List<Long> versions = new ArrayList<>();
                for (int n = 0; n < perClient; n++) {
                  HttpJson.Response r =
                      http.post(
                          "/streams/" + s,
                          event("Tick", "{\"client\":" + client + ",\"n\":" + n + "}"));
                  assertEquals(201, r.status(), () -> r.body().toString());
                  versions.add(r.body().path("lastVersion").asLong());
                }
                return versions;
              },
              pool));
    }
    Map<Integer, List<Long>> ackedByClient = new HashMap<>();
    for (int c = 0; c < clients; c++) {
      ackedByClient.put(c, acked.get(c).get());
    }
    pool.shutdown();
    List<JsonNode> events = http.readAllPages("/streams/" + s + "?limit=1000");
    int total = clients * perClient;
    assertEquals(total, events.size());
    Map<Integer, Integer> nextN = new HashMap<>();
    for (int i = 0; i < total; i++) {
      JsonNode e = events.get(i);
      assertEquals(i + 1L, e.path("version").asLong(), "versions 1..N each once");
      int client = e.path("data").path("client").asInt();
      int n = e.path("data").path("n").asInt();
      assertEquals(nextN.getOrDefault(client, 0), n, "client " + client + " in its own order");
      nextN.put(client, n + 1);
      assertEquals(
          e.path("version").asLong(),
          ackedByClient.get(client).get(n),
          "acked version is the stored one");
    }
    assertTrue(nextN.values().stream().allMatch(v -> v == perClient));
  }
}
