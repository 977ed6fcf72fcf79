package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three node processes ({@code local-1/2/3.conf}: Cluster Bootstrap over config discovery,
 * keep-majority split brain resolver) on the run's shared Cassandra: streams spread over every node
 * and any node serves any stream; a node killed with {@code kill -9}, a node stopped with SIGTERM
 * and a rolling restart of all three, each under steady appends to 100 streams through every node,
 * leave every acknowledged event in its stream exactly once and in order.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterIT {
  private static final Duration START = Duration.ofMinutes(3);
  private final List<NodeProcess> nodes = new ArrayList<>();

  @BeforeAll
  void startCluster() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        RealCassandra.externalNode().isEmpty(), "starts node processes of its own");
    Path logs = Files.createDirectories(Path.of("target/cluster-it"));
    Map<String, String> env =
        Map.of(
            "ANNALS_CASSANDRA_CONTACT_POINTS", RealCassandra.contactPoint(),
            "ANNALS_JOURNAL_KEYSPACE", "cluster_it",
            "ANNALS_SNAPSHOT_KEYSPACE", "cluster_it_snapshot");
    for (int n = 1; n <= 3; n++) {
      nodes.add(
          new NodeProcess(
              "local-" + n + ".conf", 8080 + n, 8550 + n, env, logs.resolve("node-" + n + ".log")));
    }
    nodes.forEach(NodeProcess::start);
    for (NodeProcess node : nodes) {
      node.awaitReady(START);
    }
  }

  @AfterAll
  void stopCluster() throws InterruptedException {
    for (NodeProcess node : nodes) {
      if (node.isAlive()) {
        node.kill();
      }
    }
  }

  @BeforeEach
  void allThreeNodesUp() throws InterruptedException {
    for (NodeProcess node : nodes) {
      if (!node.isAlive()) {
        node.start();
        node.awaitReady(START);
      }
    }
    awaitMembersUp(nodes);
  }

  @Test
  void spreadsStreamsOverEveryNodeAndServesEachThroughAny() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpJson first = http(nodes.get(i));
      HttpJson second = http(nodes.get((i + 1) % 3));
      HttpJson third = http(nodes.get((i + 2) % 3));
      String s = "spread-" + UUID.randomUUID();
      String append =
          "{\"expectedVersion\":0,\"events\":[{\"id\":\"%s\",\"type\":\"Opened\",\"data\":{\"n\":%d}}]}"
              .formatted(UUID.randomUUID(), i);
      assertEquals(201, first.post("/streams/" + s, append).status());
      assertEquals(200, second.post("/streams/" + s, append).status(), "idempotent retry");
      third
          .post("/streams/" + s, "{\"expectedVersion\":0,\"events\":[" + event("X", "1") + "]}")
          .assertProblem(409, "wrong-expected-version");
      third
          .post("/streams/" + s, "{\"events\":[{\"data\":1}]}")
          .assertProblem(400, "invalid-request");
      for (NodeProcess node : nodes) {
        List<JsonNode> read = http(node).readAllPages("/streams/" + s);
        assertEquals(1, read.size(), () -> "read through " + node);
        assertEquals(i, read.get(0).path("data").path("n").asInt());
      }
    }
    // a node restarted by an earlier test owns no shard until the coordinator rebalances some to
    // it (every 10 s, a few shards at a time): keep touching streams until every node runs some
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    for (int n = 0; ; n++) {
      assertEquals(
          201, http(nodes.get(n % 3)).post("/streams/spread-" + n, event("E", "1")).status());
      if (n % 60 == 59) {
        List<NodeProcess> idle = new ArrayList<>();
        for (NodeProcess node : nodes) {
          if (metric(node, "annals_active_streams") == 0) {
            idle.add(node);
          }
        }
        if (idle.isEmpty()) {
          break;
        }
        assertTrue(System.nanoTime() < deadline, () -> idle + " run no stream entity");
      }
    }
  }

  @Test
  void carriesAnAppendOfTheLargestBodyToAStreamOnAnotherNode() {
    // ~900 KB, under annals.http.max-body-size (1 MiB); over Pekko's default remoting frame (256
    // KiB), which used to drop it between nodes. Six streams through three nodes: most are hosted
    // on a node other than the one that takes the request.
    String big = "\"" + "x".repeat(900_000) + "\"";
    for (int i = 0; i < 6; i++) {
      int through = i % 3;
      String s = "large-" + UUID.randomUUID();
      HttpJson.Response r = http(nodes.get(through)).post("/streams/" + s, event("Large", big));
      assertEquals(201, r.status(), () -> "large append through node " + through + ": " + r);
      List<JsonNode> read = http(nodes.get((through + 1) % 3)).readAllPages("/streams/" + s);
      assertEquals(900_000, read.get(0).path("data").asText().length());
    }
  }

  @Test
  @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
  void keepsEveryAcknowledgedEventExactlyOnceWhenANodeIsKilled() throws Exception {
    SteadyWriters writers = new SteadyWriters(nodes, 10, 10);
    FailoverProbes probes = new FailoverProbes(30);
    probes.touch(nodes);
    writers.start();
    awaitAcknowledged(writers, 300);
    NodeProcess victim = nodes.get(2);
    long killedAt = System.nanoTime();
    victim.kill();
    var failover =
        CompletableFuture.supplyAsync(
            () -> probes.afterKill(nodes.subList(0, 2), killedAt, Duration.ofSeconds(60)));
    long before = writers.totalAcknowledged();
    awaitAcknowledged(writers, before + 1500);
    Duration toRecover = Duration.ofNanos(System.nanoTime() - killedAt);
    writers.stop();
    List<Duration> moved = FailoverProbes.failovers(failover.get());
    System.out.printf(
        "kill -9 of %s: %d of 30 probed streams lived on it; kill to first acknowledged append"
            + " p50 %d ms, max %d ms%n",
        victim,
        moved.size(),
        moved.isEmpty() ? 0 : moved.get(moved.size() / 2).toMillis(),
        moved.isEmpty() ? 0 : moved.get(moved.size() - 1).toMillis());
    assertFalse(moved.isEmpty(), "the killed node ran some of the probed streams");
    assertTrue(
        moved.get(moved.size() - 1).compareTo(Duration.ofSeconds(15)) < 0,
        () -> "every stream of the killed node answers again within 15 s: " + moved);

    assertEquals(List.of(), writers.fatal(), "every append acknowledged after retries");
    List<SteadyWriters.Failure> onLiveNodes =
        writers.failures().stream().filter(f -> !f.node().equals(victim.toString())).toList();
    onLiveNodes.forEach(
        f -> assertTrue(f.what().startsWith("503"), () -> "a live node answered " + f));
    System.out.printf(
        "kill -9 of %s: %d acknowledged, %d errors from the dead node, %d 503s from live nodes,"
            + " longest append %d ms, 1500 more appends %d ms after the kill%n",
        victim,
        writers.totalAcknowledged(),
        writers.failures().size() - onLiveNodes.size(),
        onLiveNodes.size(),
        writers.longestAppend().toMillis(),
        toRecover.toMillis());
    assertStreamsHoldExactlyTheAcknowledged(writers, nodes.get(0));
    awaitMembersUp(nodes.subList(0, 2));
  }

  @Test
  @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
  void aConsumerGroupGoesOnFromItsCheckpointWhenItsNodeIsKilled() throws Exception {
    String category = "grp" + UUID.randomUUID().toString().substring(0, 8).replace("-", "");
    HttpJson first = new HttpJson(nodes.get(0).baseUrl());
    for (int s = 0; s < 30; s++) {
      StringBuilder body = new StringBuilder("{\"events\":[");
      for (int v = 1; v <= 20; v++) {
        body.append(v == 1 ? "" : ",").append("{\"type\":\"Step\",\"data\":").append(v).append('}');
      }
      assertEquals(201, first.post("/streams/" + category + "-" + s, body + "]}").status());
    }
    HttpJson.Response made =
        first.put(
            "/groups/" + category,
            "{\"source\":{\"category\":\""
                + category
                + "\"},\"maxInFlight\":10,"
                + "\"checkpointEvery\":10,\"ackTimeout\":\"5s\"}");
    assertEquals(201, made.status(), made.raw());
    NodeProcess host = groupHost(category);
    List<NodeProcess> survivors = new ArrayList<>(nodes);
    survivors.remove(host);
    List<GroupConsumer> consumers = new ArrayList<>();
    try {
      for (NodeProcess node : survivors) {
        consumers.add(new GroupConsumer(node.baseUrl(), category, true));
      }
      HttpJson live = new HttpJson(survivors.get(0).baseUrl());
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (consumers.stream().mapToInt(c -> c.acked.size()).sum() < 200) {
        assertTrue(System.nanoTime() < deadline, "200 acks before the kill");
        Thread.sleep(20);
      }
      String checkpoint = live.get("/groups/" + category).body().path("checkpoint").asText();
      host.kill();
      long killedAt = System.nanoTime();
      List<Integer> deliveredBeforeKill = consumers.stream().map(c -> c.received.size()).toList();
      Set<String> acked = new HashSet<>();
      while (acked.size() < 600) {
        assertTrue(
            System.nanoTime() < deadline + Duration.ofMinutes(2).toNanos(),
            () -> "every event acked at least once after the kill: " + acked.size());
        Thread.sleep(100);
        acked.clear();
        for (GroupConsumer c : consumers) {
          for (JsonNode e : c.received) {
            if (c.acked.contains(e.path("position").asText())) {
              acked.add(e.path("stream").asText() + "/" + e.path("version").asLong());
            }
          }
        }
      }
      System.out.printf(
          "group failover: host %s killed; 600 events acked %d ms after the kill%n",
          host, Duration.ofNanos(System.nanoTime() - killedAt).toMillis());
      for (int c = 0; c < consumers.size(); c++) {
        List<JsonNode> got = consumers.get(c).received;
        for (int i = deliveredBeforeKill.get(c); i < got.size(); i++) {
          String position = got.get(i).path("position").asText();
          assertTrue(
              compare(position, checkpoint) > 0,
              "an event acked before the checkpoint " + checkpoint + " came again: " + got.get(i));
        }
        java.util.Map<String, Long> last = new java.util.HashMap<>();
        java.util.Map<String, Integer> drops = new java.util.HashMap<>();
        for (int i = 0; i < got.size(); i++) {
          JsonNode e = got.get(i);
          long v = e.path("version").asLong();
          Long before = last.put(e.path("stream").asText(), v);
          if (before != null && v <= before) {
            assertTrue(i >= deliveredBeforeKill.get(c), "in order before the kill: " + e);
            drops.merge(e.path("stream").asText(), 1, Integer::sum);
          }
        }
        drops.forEach(
            (stream, n) -> assertEquals(1, n, stream + " restarted once, at the failover only"));
      }
      // pinned: while both consumers stay connected, each stream reaches one of them (after the
      // failover the group re-pins among the consumers as they reconnect)
      Set<String> streamsOf0 = new HashSet<>();
      consumers.get(0).received.stream()
          .limit(deliveredBeforeKill.get(0))
          .forEach(e -> streamsOf0.add(e.path("stream").asText()));
      consumers.get(1).received.stream()
          .limit(deliveredBeforeKill.get(1))
          .forEach(
              e ->
                  assertFalse(
                      streamsOf0.contains(e.path("stream").asText()),
                      "pinned: each stream reaches one consumer: " + e));
    } finally {
      consumers.forEach(GroupConsumer::close);
    }
  }

  /** The node whose shard region runs the group entity {@code name}. */
  private NodeProcess groupHost(String name) throws InterruptedException {
    String shard = Integer.toString(Math.abs(name.hashCode() % 100));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      for (NodeProcess node : nodes) {
        HttpJson.Response r = management(node).get("/cluster/shards/group");
        if (r.status() == 200) {
          for (JsonNode region : r.body().path("regions")) {
            if (shard.equals(region.path("shardId").asText())) {
              return node;
            }
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no node runs the shard " + shard + " of group " + name);
  }

  /** Orders two category positions ('c', varint seq, varint done, base64url). */
  private static int compare(String a, String b) {
    long[] x = cursor(a);
    long[] y = cursor(b);
    return x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]);
  }

  private static long[] cursor(String position) {
    byte[] bytes = java.util.Base64.getUrlDecoder().decode(position);
    long[] out = new long[2];
    int i = 1;
    for (int n = 0; n < 2; n++) {
      long v = 0;
      int shift = 0;
      while (true) {
        byte b = bytes[i++];
        v |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          break;
        }
        shift += 7;
      }
      out[n] = v;
    }
    return out;
  }

  @Test
  @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
  void answersNoErrorWhenANodeStopsGracefully() throws Exception {
    SteadyWriters writers = new SteadyWriters(nodes, 10, 10);
    writers.start();
    awaitAcknowledged(writers, 300);
    NodeProcess leaving = nodes.get(1);
    // Kubernetes takes the pod out of the Service before SIGTERM (preStop): clients go elsewhere
    writers.route(leaving, false);
    assertGracefulExit(leaving.terminate(Duration.ofSeconds(60)), leaving);
    long before = writers.totalAcknowledged();
    awaitAcknowledged(writers, before + 1000);
    writers.stop();

    assertEquals(List.of(), writers.fatal());
    assertEquals(List.of(), writers.failures(), "a graceful stop answers every request");
    assertStreamsHoldExactlyTheAcknowledged(writers, nodes.get(0));
  }

  @Test
  @Timeout(value = 12, unit = java.util.concurrent.TimeUnit.MINUTES)
  void losesAndReordersNothingThroughARollingRestart() throws Exception {
    SteadyWriters writers = new SteadyWriters(nodes, 10, 10);
    writers.start();
    awaitAcknowledged(writers, 300);
    for (NodeProcess node : nodes) {
      writers.route(node, false);
      assertGracefulExit(node.terminate(Duration.ofSeconds(60)), node);
      node.start();
      node.awaitReady(START);
      awaitMembersUp(nodes);
      writers.route(node, true);
      awaitAcknowledged(writers, writers.totalAcknowledged() + 200);
    }
    writers.stop();

    assertEquals(List.of(), writers.fatal());
    System.out.printf(
        "rolling restart: %d acknowledged, %d errors %s, longest append %d ms%n",
        writers.totalAcknowledged(),
        writers.failures().size(),
        writers.failures().stream().limit(5).toList(),
        writers.longestAppend().toMillis());
    // a request may meet a shard or the coordinator moving for longer than the ask timeout: a 503
    // with Retry-After that the client retries; nothing acknowledged may be lost or reordered
    writers.failures().forEach(f -> assertTrue(f.what().startsWith("503"), () -> "answered " + f));
    assertStreamsHoldExactlyTheAcknowledged(writers, nodes.get(2));
  }

  /**
   * Each stream holds events 1..n with data seq 1..n, n = its acknowledged appends: nothing lost,
   * nothing twice, nothing reordered; and the category log holds each of them exactly once.
   */
  private void assertStreamsHoldExactlyTheAcknowledged(SteadyWriters writers, NodeProcess via)
      throws InterruptedException {
    HttpJson http = http(via);
    long total = 0;
    for (String s : writers.streams()) {
      long acked = writers.acknowledged().getOrDefault(s, 0L);
      List<JsonNode> events = http.readAllPages("/streams/" + s + "?limit=1000");
      assertEquals(acked, events.size(), () -> s + ": stored events vs acknowledged appends");
      for (int i = 0; i < events.size(); i++) {
        assertEquals(i + 1L, events.get(i).path("version").asLong(), s + " gap-free");
        assertEquals(i + 1L, events.get(i).path("data").path("seq").asLong(), s + " in order");
      }
      total += acked;
    }
    String category = writers.streams().get(0).split("-")[0];
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Set<String> indexed = new HashSet<>();
    int read = 0;
    while (indexed.size() < total && System.nanoTime() < deadline) {
      indexed.clear();
      List<JsonNode> log = http.readLog("/categories/" + category);
      read = log.size();
      log.forEach(e -> indexed.add(e.path("stream").asText() + "/" + e.path("version").asLong()));
      assertEquals(indexed.size(), read, "the category log holds no event twice");
      if (indexed.size() < total) {
        Thread.sleep(1000);
      }
    }
    assertEquals(total, indexed.size(), "the category log holds every acknowledged event");
  }

  /** A JVM that ran its shutdown hooks after SIGTERM exits with 143 (128 + 15). */
  private static void assertGracefulExit(int exitCode, NodeProcess node) {
    assertTrue(exitCode == 143 || exitCode == 0, () -> node + " exited " + exitCode + node.tail());
    String output = node.output();
    int stopping = output.indexOf("Running CoordinatedShutdown");
    assertTrue(stopping >= 0, () -> node + " did not run CoordinatedShutdown:\n" + node.tail());
    assertTrue(
        !output.substring(stopping).contains("ERROR"),
        () -> node + " logged an error while stopping:\n" + node.tail());
  }

  private static void awaitAcknowledged(SteadyWriters writers, long count)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (writers.totalAcknowledged() < count && System.nanoTime() < deadline) {
      assertEquals(List.of(), writers.fatal());
      Thread.sleep(100);
    }
    assertTrue(
        writers.totalAcknowledged() >= count,
        () -> writers.totalAcknowledged() + " acknowledged, waited for " + count);
  }

  /** Waits until every one of {@code members} lists exactly them, all Up, none unreachable. */
  private void awaitMembersUp(List<NodeProcess> members) throws InterruptedException {
    Set<String> expected = new TreeSet<>();
    members.forEach(m -> expected.add(m.toString()));
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean agree = true;
      for (NodeProcess node : members) {
        HttpJson.Response r;
        try {
          r = management(node).get("/cluster/members");
        } catch (RuntimeException e) {
          last = node + ": " + e;
          agree = false;
          continue;
        }
        Set<String> up = new TreeSet<>();
        if (r.status() == 200) {
          r.body().path("members").forEach(m -> up.add(configOf(m.path("node").asText(), m)));
          agree &= r.body().path("unreachable").isEmpty();
        }
        last = node + " sees " + up + " " + r.raw();
        agree &= up.equals(expected);
      }
      if (agree) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("members never agreed on " + expected + ": " + last);
  }

  /** "local-N.conf" for an Up member at remoting port 2552N, else its status. */
  private static String configOf(String address, JsonNode member) {
    String port = address.substring(address.lastIndexOf(':') + 1);
    String status = member.path("status").asText();
    return status.equals("Up") ? "local-" + port.charAt(port.length() - 1) + ".conf" : status;
  }

  private static long metric(NodeProcess node, String name) throws Exception {
    String text =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(node.baseUrl() + "/metrics"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    return text.lines()
        .filter(l -> l.startsWith(name + " "))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(name.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing in " + text));
  }

  private static HttpJson http(NodeProcess node) {
    return new HttpJson(node.baseUrl());
  }

  private static HttpJson management(NodeProcess node) {
    return new HttpJson(node.managementUrl());
  }
}
