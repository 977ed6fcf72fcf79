package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.annals.node.tls.TestPki;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three node processes whose remoting is Artery {@code tls-tcp} with mutual authentication
 * (cluster-config's {@code cluster-tls.conf}), all presenting one member certificate of a test CA
 * as they would mount one cert-manager Secret: they form a cluster and serve appends to streams
 * hosted on other nodes; a fourth node whose certificate (same subject name) comes from another CA
 * is refused in the handshake and never becomes a member. Free ports, seed-node joining, the run's
 * shared Cassandra.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsClusterIT {
  private static final Duration START = Duration.ofMinutes(3);
  private static final Pattern HANDSHAKE_FAILED =
      Pattern.compile("(?i)(SSLHandshakeException|PKIX path|certificate_unknown|bad_certificate)");
  private final List<Member> members = new ArrayList<>();
  private Path dir;
  private int seedPort;

  @BeforeAll
  void startClusterOverTls() throws Exception {
    Assumptions.assumeTrue(RealCassandra.externalNode().isEmpty(), "starts node processes");
    dir = Files.createDirectories(Path.of("target/tls-cluster-it"));
    Path memberCertificate =
        TestPki.newCa("annals-cluster-ca")
            .issue("annals-remoting", TestPki.KeyType.RSA)
            .writeTo(dir.resolve("member-tls"));
    seedPort = freePort();
    for (int n = 1; n <= 3; n++) {
      members.add(node("member-" + n, n == 1 ? seedPort : freePort(), memberCertificate));
    }
    members.forEach(m -> m.process().start());
    for (Member member : members) {
      member.process().awaitReady(START);
    }
  }

  @AfterAll
  void stopCluster() throws InterruptedException {
    for (Member member : members) {
      if (member.process().isAlive()) {
        member.process().kill();
      }
    }
  }

  @Test
  void formsAClusterOverMutualTlsAndServesAppendsThroughEveryNode() throws Exception {
    awaitMembersUp();
    for (Member member : members) {
      assertTrue(
          member.process().output().contains("Remoting started with transport [Artery tls-tcp]"),
          () -> member.name() + " does not run tls-tcp:\n" + member.process().tail());
    }
    // nine streams through three nodes: with 100 shards most live on a node other than the one
    // asked, so the append and the reads cross the TLS connections between members
    for (int i = 0; i < 9; i++) {
      String stream = "tls-" + UUID.randomUUID();
      HttpJson through = new HttpJson(members.get(i % 3).process().baseUrl());
      assertEquals(201, through.post("/streams/" + stream, event("Sealed", "" + i)).status());
      for (Member member : members) {
        List<JsonNode> read =
            new HttpJson(member.process().baseUrl()).readAllPages("/streams/" + stream);
        assertEquals(1, read.size(), () -> stream + " read through " + member.name());
        assertEquals(i, read.get(0).path("data").asInt());
      }
    }
  }

  @Test
  void refusesANodeWhoseCertificateComesFromAnotherCa() throws Exception {
    Path strangerCertificate =
        TestPki.newCa("stranger-ca")
            .issue("annals-remoting", TestPki.KeyType.RSA)
            .writeTo(dir.resolve("stranger-tls"));
    NodeProcess stranger = node("stranger", freePort(), strangerCertificate).process();
    stranger.start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!HANDSHAKE_FAILED.matcher(stranger.output() + seed().output()).find()) {
        assertTrue(stranger.isAlive(), () -> "the stranger exited:\n" + stranger.tail());
        assertTrue(
            System.nanoTime() < deadline,
            () -> "no failed handshake logged after 60 s:\n" + stranger.tail());
        Thread.sleep(250);
      }
      // it keeps trying to join for a while; the members never list it
      for (int i = 0; i < 20; i++) {
        awaitMembersUp();
        Thread.sleep(250);
      }
      assertFalse(stranger.output().contains("Annals ready at"), stranger::tail);
    } finally {
      stranger.kill();
    }
  }

  /** A node process with its name and remoting port. */
  private record Member(String name, NodeProcess process, int remotePort) {}

  private NodeProcess seed() {
    return members.get(0).process();
  }

  private Member node(String name, int remotePort, Path certificate) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("ANNALS_CASSANDRA_CONTACT_POINTS", RealCassandra.contactPoint());
    env.put("ANNALS_JOURNAL_KEYSPACE", "tls_cluster_it");
    env.put("ANNALS_SNAPSHOT_KEYSPACE", "tls_cluster_it_snapshot");
    env.put("ANNALS_CLUSTER_BOOTSTRAP", "false");
    env.put("ANNALS_REMOTE_PORT", Integer.toString(remotePort));
    env.put("ANNALS_REMOTE_TRANSPORT", "tls-tcp");
    env.put("ANNALS_REMOTE_TLS_PRIVATE_KEY", certificate.resolve("tls.key").toString());
    env.put("ANNALS_REMOTE_TLS_CERTIFICATE", certificate.resolve("tls.crt").toString());
    env.put("ANNALS_REMOTE_TLS_CA_CERTIFICATE", certificate.resolve("ca.crt").toString());
    int http = freePort();
    int management = freePort();
    env.put("ANNALS_HTTP_PORT", Integer.toString(http));
    env.put("ANNALS_MANAGEMENT_PORT", Integer.toString(management));
    NodeProcess node =
        new NodeProcess(
            "local-1.conf",
            http,
            management,
            env,
            List.of("-Dpekko.cluster.seed-nodes.0=pekko://annals@127.0.0.1:" + seedPort),
            dir.resolve(name + ".log"));
    return new Member(name, node, remotePort);
  }

  /** Waits until every member lists exactly the three members, all Up, none unreachable. */
  private void awaitMembersUp() throws InterruptedException {
    Set<String> expected = new TreeSet<>();
    members.forEach(m -> expected.add("pekko://annals@127.0.0.1:" + m.remotePort() + " Up"));
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    String last = "";
    while (true) {
      boolean agree = true;
      for (Member member : members) {
        HttpJson.Response r =
            new HttpJson(member.process().managementUrl()).get("/cluster/members");
        Set<String> seen = new TreeSet<>();
        r.body()
            .path("members")
            .forEach(m -> seen.add(m.path("node").asText() + " " + m.path("status").asText()));
        agree &= seen.equals(expected) && r.body().path("unreachable").isEmpty();
        last = member.name() + " sees " + r.raw();
      }
      if (agree) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, "members never agreed on " + expected + ": " + last);
      Thread.sleep(500);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
