package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node restarted on the same journal keeps every acknowledged event and its idempotency window.
 */
@ExtendWith(RealCassandra.class)
class RestartIT {

  @Test
  void keepsEveryAcknowledgedEventAndRemembersIdsAcrossARestart() {
    List<String> streams = new ArrayList<>();
    List<JsonNode> before = new ArrayList<>();
    String retried =
        "{\"expectedVersion\":0,\"events\":[{\"id\":\""
            + UUID.randomUUID()
            + "\",\"type\":\"First\",\"data\":1}]}";
    JsonNode firstAnswer;
    try (AnnalsNode node = RealCassandra.startNode("restart_it")) {
      HttpJson http = new HttpJson(node.baseUrl());
      for (int s = 0; s < 5; s++) {
        streams.add("account-" + UUID.randomUUID());
      }
      firstAnswer = http.post("/streams/" + streams.get(0), retried).body();
      for (int i = 0; i < 40; i++) {
        assertEquals(
            201,
            http.post("/streams/" + streams.get(i % 5), event("Deposited", "{\"i\":" + i + "}"))
                .status());
      }
      streams.forEach(s -> before.add(http.get("/streams/" + s).body()));
    }
    try (AnnalsNode node = RealCassandra.startNode("restart_it")) {
      HttpJson http = new HttpJson(node.baseUrl());
      for (int s = 0; s < 5; s++) {
        assertEquals(before.get(s), http.get("/streams/" + streams.get(s)).body(), "stream " + s);
      }
      HttpJson.Response retry = http.post("/streams/" + streams.get(0), retried);
      assertEquals(200, retry.status(), "the id window is rebuilt on recovery");
      assertEquals(firstAnswer, retry.body());
      assertEquals(201, http.post("/streams/" + streams.get(1), event("After", "1")).status());
      assertEquals(9, http.get("/streams/" + streams.get(1)).body().path("version").asLong());
    }
  }
}
