package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.annals.node.dev.DevCassandra;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Cassandra stopped under a running node: appends and reads answer 503 with Retry-After within the
 * configured timeouts (never hang), and work again, with no gap, once Cassandra is back.
 */
class JournalOutageIT {

  @Test
  void answers503WhileCassandraIsDownAndRecoversWhenItIsBack() throws Exception {
    try (DevCassandra cassandra = RealCassandra.startPrivate("outage");
        AnnalsNode node = AnnalsNode.start(RealCassandra.nodeConfig("outage_it", cassandra.contactPoint()), Duration.ofMinutes(2))) {
      HttpJson http = new HttpJson(node.baseUrl());
      String s = "payment-" + UUID.randomUUID();
      assertEquals(201, http.post("/streams/" + s, event("Authorised", "1")).status());

      cassandra.stop();
      long started = System.nanoTime();
      HttpJson.Response down = http.post("/streams/" + s, event("Captured", "2"));
      long millis = (System.nanoTime() - started) / 1_000_000;
      down.assertProblem(503, down.body().path("type").asText().substring("/problems/".length()));
      assertEquals("1", down.header("Retry-After"));
      assertTrue(millis < 10_000, "answered within the ask timeout, took " + millis + " ms");
      assertEquals(503, http.post("/streams/other-" + UUID.randomUUID(), event("A", "1")).status());
      assertEquals(503, http.get("/ready").status(), "not ready without a journal");

      cassandra.restart();
      HttpJson.Response up = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (System.nanoTime() < deadline) {
        up = http.post("/streams/" + s, "{\"expectedVersion\":1,\"events\":[" + event("Captured", "2") + "]}");
        if (up.status() != 503) {
          break;
        }
        Thread.sleep(500);
      }
      assertEquals(201, up.status(), () -> "append after Cassandra is back");
      assertEquals(2, up.body().path("lastVersion").asLong(), "no gap, nothing lost");
      assertEquals(200, http.get("/ready").status());
    }
  }
}
