package io.annals.node.history;

import com.fasterxml.jackson.databind.JsonNode;
import io.annals.node.HttpJson;
import io.annals.node.NodeProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Three node processes of {@code local-1/2/3.conf} on loopback, on ports of their own (HTTP
 * 8091–8093, management 8561–8563, remoting 25531–25533) so they never meet ClusterIT's nodes or a
 * local cluster: the ports come from the {@code ANNALS_*_PORT} variables and Cluster Bootstrap's
 * config discovery is pointed at the three management ports with system properties. Each node
 * reaches Cassandra through a {@link StallProxy} of its own.
 */
final class Cluster {
  static final Duration START = Duration.ofMinutes(3);
  private static final int[] HTTP = {8091, 8092, 8093};
  private static final int[] MANAGEMENT = {8561, 8562, 8563};
  private static final int[] REMOTE = {25531, 25532, 25533};
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<StallProxy> proxies = new ArrayList<>();

  Cluster(Path logs, String contactPoint, String keyspace) throws IOException {
    // the stall proxies read native protocol v4 frames
    List<String> jvmOptions = new ArrayList<>();
    jvmOptions.add("-Ddatastax-java-driver.advanced.protocol.version=V4");
    for (int i = 0; i < 3; i++) {
      String endpoint = "-Dpekko.discovery.config.services.annals.endpoints." + i;
      jvmOptions.add(endpoint + ".host=127.0.0.1");
      jvmOptions.add(endpoint + ".port=" + MANAGEMENT[i]);
    }
    for (int i = 0; i < 3; i++) {
      proxies.add(new StallProxy(contactPoint));
      Map<String, String> env =
          Map.of(
              "ANNALS_CASSANDRA_CONTACT_POINTS", proxies.get(i).contactPoint(),
              "ANNALS_JOURNAL_KEYSPACE", keyspace,
              "ANNALS_SNAPSHOT_KEYSPACE", keyspace + "_snapshot",
              "ANNALS_HTTP_PORT", Integer.toString(HTTP[i]),
              "ANNALS_MANAGEMENT_PORT", Integer.toString(MANAGEMENT[i]),
              "ANNALS_REMOTE_PORT", Integer.toString(REMOTE[i]));
      nodes.add(
          new NodeProcess(
              "local-" + (i + 1) + ".conf",
              HTTP[i],
              MANAGEMENT[i],
              env,
              jvmOptions,
              logs.resolve("node-" + (i + 1) + ".log")));
    }
  }

  /** The proxy between node {@code i} and Cassandra. */
  StallProxy proxy(int i) {
    return proxies.get(i);
  }

  List<NodeProcess> nodes() {
    return nodes;
  }

  List<String> baseUrls() {
    return nodes.stream().map(NodeProcess::baseUrl).toList();
  }

  /** Starts all three and returns once each is ready and all see each other Up. */
  void start() throws InterruptedException {
    // node processes never outlive the test JVM, whatever ends it
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    killAll();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }));
    nodes.forEach(NodeProcess::start);
    for (NodeProcess node : nodes) {
      node.awaitReady(START);
    }
    awaitMembersUp(Duration.ofMinutes(2));
  }

  /** Starts a stopped node again and waits until it is ready and the cluster has all three Up. */
  void restart(int i) throws InterruptedException {
    NodeProcess node = nodes.get(i);
    if (!node.isAlive()) {
      node.start();
    }
    node.awaitReady(START);
    awaitMembersUp(Duration.ofMinutes(2));
  }

  /** Starts every node that is not running; waits until all three are Up. */
  void ensureAllUp() throws InterruptedException {
    for (int i = 0; i < nodes.size(); i++) {
      if (!nodes.get(i).isAlive()) {
        nodes.get(i).start();
      }
    }
    for (NodeProcess node : nodes) {
      node.awaitReady(START);
    }
    awaitMembersUp(Duration.ofMinutes(2));
  }

  void killAll() throws InterruptedException {
    for (NodeProcess node : nodes) {
      if (node.isAlive()) {
        node.kill();
      }
    }
  }

  /** Kills the nodes, then closes the proxies. */
  void close() throws InterruptedException, IOException {
    killAll();
    for (StallProxy proxy : proxies) {
      proxy.close();
    }
  }

  /** The shards of stream entities node {@code i} hosts now (Pekko Management), or none. */
  Set<String> shardsOf(int i) {
    Set<String> shards = new TreeSet<>();
    try {
      HttpJson.Response r =
          new HttpJson(nodes.get(i).managementUrl()).get("/cluster/shards/stream");
      if (r.status() == 200) {
        r.body().path("regions").forEach(s -> shards.add(s.path("shardId").asText()));
      }
    } catch (RuntimeException e) {
      // not measurable: the summary says so
    }
    return shards;
  }

  /** Waits until every node lists exactly the three, all Up, none unreachable. */
  void awaitMembersUp(Duration timeout) throws InterruptedException {
    Set<String> expected = new TreeSet<>();
    for (int port : REMOTE) {
      expected.add("pekko://annals@127.0.0.1:" + port);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean agree = true;
      for (NodeProcess node : nodes) {
        try {
          HttpJson.Response r = new HttpJson(node.managementUrl()).get("/cluster/members");
          Set<String> up = new TreeSet<>();
          for (JsonNode m :
              r.status() == 200 ? r.body().path("members") : HttpJson.MAPPER.createArrayNode()) {
            if (m.path("status").asText().equals("Up")) {
              up.add(m.path("node").asText());
            }
          }
          agree &= up.equals(expected) && r.body().path("unreachable").isEmpty();
          last = node + " sees " + up + " " + r.raw();
        } catch (RuntimeException e) {
          agree = false;
          last = node + ": " + e;
        }
      }
      if (agree) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("members never agreed on " + expected + ": " + last);
  }
}
