package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.annals.node.security.ApiKeys;
import io.annals.node.security.Grant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * API keys in a two-node cluster on a real Cassandra: a key made on one node works on the other as
 * soon as {@code POST /keys} answers, and a key revoked on one node is refused by the other as soon
 * as {@code DELETE /keys/{name}} answers.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeysAcrossNodesIT {
  private AnnalsNode first;
  private AnnalsNode second;
  private String admin;

  @BeforeAll
  void startTwoNodes() throws Exception {
    Assumptions.assumeTrue(RealCassandra.externalNode().isEmpty(), "starts nodes of its own");
    Path dir = Files.createTempDirectory("annals-keys-nodes-it");
    String[] key = ApiKeys.keygen("ops", List.of(Grant.parse("admin:$all")));
    admin = "Bearer " + key[0];
    Files.writeString(dir.resolve("keys.json"), "[" + key[1] + "]");
    String security =
        "annals.security.authentication = \"api-keys\"\n"
            + "annals.security.api-keys.file = \""
            + dir.resolve("keys.json")
            + "\"\n"
            // a refresh that cannot explain what the test sees: only the broadcast can
            + "annals.security.api-keys.refresh-interval = 10m\n";
    Config base =
        ConfigFactory.parseString(security).withFallback(RealCassandra.nodeConfig("keys_nodes_it"));
    first = AnnalsNode.start(base, Duration.ofMinutes(2));
    String seed = first.system().address().toString();
    second =
        AnnalsNode.start(
            ConfigFactory.parseString(
                    "annals.cluster.join-self = off\npekko.cluster.seed-nodes = [\"" + seed + "\"]")
                .withFallback(base),
            Duration.ofMinutes(2));
  }

  private static long upMembers(AnnalsNode node) {
    return java.util.stream.StreamSupport.stream(
            org.apache.pekko.cluster.typed.Cluster.get(node.system())
                .state()
                .getMembers()
                .spliterator(),
            false)
        .filter(m -> m.status() == org.apache.pekko.cluster.MemberStatus.up())
        .count();
  }

  @AfterAll
  void stopNodes() {
    if (second != null) {
      second.close();
    }
    if (first != null) {
      first.close();
    }
  }

  @Test
  void aKeyMadeOnOneNodeWorksOnTheOtherAndARevokedOneIsRefusedThereAtOnce() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (upMembers(first) < 2 || upMembers(second) < 2) {
      org.junit.jupiter.api.Assertions.assertTrue(
          System.nanoTime() < deadline, "both nodes see two members up");
      Thread.sleep(100);
    }
    HttpJson one = new HttpJson(first.baseUrl());
    HttpJson two = new HttpJson(second.baseUrl());
    HttpJson.Response made =
        one.post(
            "/keys", "{\"name\":\"reader\",\"grants\":[\"read:$all\"]}", "Authorization", admin);
    assertEquals(201, made.status(), made.raw());
    assertEquals(2, made.body().path("nodes").asInt(), made.raw());
    assertEquals(2, made.body().path("nodesConfirmed").asInt(), made.raw());
    String reader = "Bearer " + made.body().path("key").asText();
    assertEquals(200, two.get("/all?limit=1", "Authorization", reader).status());

    HttpJson.Response revoked = two.method("DELETE", "/keys/reader");
    assertEquals(401, revoked.status(), "DELETE needs a key too");
    HttpJson.Response deleted = one.send("DELETE", "/keys/reader", "Authorization", admin);
    assertEquals(204, deleted.status(), deleted.raw());
    two.get("/all?limit=1", "Authorization", reader).assertProblem(401, "unauthorized");
    one.get("/all?limit=1", "Authorization", reader).assertProblem(401, "unauthorized");
  }
}
