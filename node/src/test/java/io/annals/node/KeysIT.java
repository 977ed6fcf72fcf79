package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Keys, de-duplication, the surface, transactions and invalidation, schema versions and type
 * filters, over HTTP on a real Cassandra.
 */
class KeysIT extends OneNodeIT {
  @Override
  protected String keyspace() {
    return "keys_it";
  }

  private static String stream() {
    return "catalog-" + UUID.randomUUID();
  }

  private static String keyed(String key, String type, String data) {
    return "{\"type\":\"" + type + "\",\"key\":\"" + key + "\",\"data\":" + data + "}";
  }

  private long version(String s) {
    return http.get("/streams/" + s).body().path("version").asLong();
  }

  @Test
  void doesNotWriteAKeyedEventEqualToItsKeysNewestEvent() {
    String s = stream();
    assertEquals(
        201, http.post("/streams/" + s, keyed("sku-1", "Priced", "{\"eur\":10}")).status());
    HttpJson.Response again = http.post("/streams/" + s, keyed("sku-1", "Priced", "{\"eur\":10}"));
    assertEquals(200, again.status());
    JsonNode entry = again.body().path("events").get(0);
    assertTrue(entry.path("deduplicated").asBoolean());
    assertEquals(1, entry.path("version").asLong());
    HttpJson.Response inOne =
        http.post(
            "/streams/" + s,
            "["
                + keyed("sku-2", "Priced", "1")
                + ","
                + keyed("sku-2", "Priced", "1")
                + ","
                + keyed("sku-1", "Priced", "{\"eur\":11}")
                + "]");
    assertEquals(201, inOne.status());
    assertEquals(
        List.of(false, true, false),
        List.of(
            inOne.body().path("events").get(0).path("deduplicated").asBoolean(),
            inOne.body().path("events").get(1).path("deduplicated").asBoolean(),
            inOne.body().path("events").get(2).path("deduplicated").asBoolean()));
    assertEquals(3, version(s));
  }

  @Test
  void writesExactlyOneOfManyPipelinedEqualKeyedAppendsRacingOnOneKey() {
    String s = stream();
    List<CompletableFuture<HttpJson.Response>> racing = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      racing.add(http.postAsync("/streams/" + s, keyed("k", "Set", "{\"v\":" + (i % 2) + "}")));
    }
    racing.forEach(CompletableFuture::join);
    List<JsonNode> events = new ArrayList<>();
    http.get("/streams/" + s + "?limit=1000").body().path("events").forEach(events::add);
    for (int i = 1; i < events.size(); i++) {
      assertFalse(
          events.get(i).path("data").equals(events.get(i - 1).path("data")),
          "no two consecutive equal events of the key");
    }
    long written = racing.stream().filter(r -> r.join().status() == 201).count();
    assertEquals(events.size(), written, "every 201 wrote one event, every 200 was de-duplicated");
  }

  @Test
  void servesTheSurfaceInKeyOrderWithPaging() {
    String s = stream();
    http.post(
        "/streams/" + s,
        "["
            + keyed("b", "Set", "1")
            + ","
            + keyed("a", "Set", "1")
            + ","
            + keyed("c", "Set", "1")
            + "]");
    http.post(
        "/streams/" + s, "[" + keyed("b", "Set", "2") + ",{\"type\":\"Unkeyed\",\"data\":0}]");
    JsonNode page = http.get("/streams/" + s + "/surface?limit=2").body();
    assertEquals(5, page.path("version").asLong());
    assertEquals("a", page.path("events").get(0).path("key").asText());
    assertEquals("b", page.path("events").get(1).path("key").asText());
    assertEquals(4, page.path("events").get(1).path("version").asLong(), "the newest event of b");
    JsonNode rest = http.get(page.path("next").asText()).body();
    assertEquals(1, rest.path("events").size());
    assertEquals("c", rest.path("events").get(0).path("key").asText());
    assertTrue(rest.path("next").isNull());
    http.get("/streams/never-" + UUID.randomUUID() + "/surface")
        .assertProblem(404, "stream-not-found");
  }

  @Test
  void invalidatesATransactionWithoutDeletingAnything() {
    String s = stream();
    http.post("/streams/" + s, keyed("sku", "Priced", "10"));
    http.post(
        "/streams/" + s,
        "[" + keyed("sku", "Priced", "99") + ",{\"type\":\"Note\",\"data\":\"typo\"}]");
    HttpJson.Response inv =
        http.post("/streams/" + s + "/transactions/2/invalidate", "{\"reason\":\"wrong price\"}");
    assertEquals(201, inv.status());
    assertEquals(3, inv.body().path("transaction").asLong());
    JsonNode all = http.get("/streams/" + s).body();
    assertEquals(4, all.path("events").size(), "nothing deleted");
    JsonNode marker = all.path("events").get(3);
    assertEquals("$invalidate", marker.path("type").asText());
    assertEquals(2, marker.path("data").path("transaction").asLong());
    assertEquals("wrong price", marker.path("data").path("reason").asText());
    JsonNode valid = http.get("/streams/" + s + "?excludeInvalidated=true").body();
    assertEquals(
        List.of(1L, 4L),
        List.of(
            valid.path("events").get(0).path("version").asLong(),
            valid.path("events").get(1).path("version").asLong()));
    JsonNode surface = http.get("/streams/" + s + "/surface").body();
    assertEquals(
        1,
        surface.path("events").get(0).path("version").asLong(),
        "the surface falls back to the valid event");
    assertEquals(
        201,
        http.post("/streams/" + s, keyed("sku", "Priced", "99")).status(),
        "equal to an invalid event: written");
  }

  @Test
  void refusesInvalidatingUnknownOrInvalidatedTransactions() {
    String s = stream();
    http.post("/streams/" + s, "{\"type\":\"A\",\"data\":1}");
    http.post("/streams/" + s + "/transactions/7/invalidate", "{\"reason\":\"r\"}")
        .assertProblem(404, "transaction-not-found");
    assertEquals(
        201,
        http.post("/streams/" + s + "/transactions/1/invalidate", "{\"reason\":\"r\"}").status());
    http.post("/streams/" + s + "/transactions/1/invalidate", "{\"reason\":\"r\"}")
        .assertProblem(409, "not-invalidatable");
    http.post("/streams/" + s + "/transactions/1/invalidate", "{\"why\":\"r\"}")
        .assertProblem(400, "invalid-request");
    http.post("/streams/" + s + "/transactions/2/invalidate", "{}")
        .assertProblem(400, "invalid-request");
    assertEquals(2, version(s));
  }

  @Test
  void storesSchemaVersionsAndFiltersReadsByType() {
    String s = stream();
    http.post(
        "/streams/" + s,
        "[{\"type\":\"A\",\"schemaVersion\":2,\"data\":1},{\"type\":\"B\",\"data\":2},{\"type\":\"C\",\"data\":3}]");
    JsonNode page = http.get("/streams/" + s + "?type=A,C").body();
    assertEquals(2, page.path("events").size());
    assertEquals(2, page.path("events").get(0).path("schemaVersion").asInt());
    assertEquals("C", page.path("events").get(1).path("type").asText());
    http.get("/streams/" + s + "?excludeInvalidated=maybe")
        .assertProblem(400, "invalid-query-parameter");
  }

  @Test
  void
      recoversTheSameSurfaceOfTwoHundredThousandEventsOverFiftyThousandKeysWithSnapshotsOnAndOff() {
    assumeInProcessNode();
    String s = "big-" + UUID.randomUUID();
    for (int batch = 0; batch < 200; batch++) {
      StringBuilder events = new StringBuilder("[");
      for (int i = 0; i < 1000; i++) {
        int n = batch * 1000 + i;
        events
            .append(i > 0 ? "," : "")
            .append(keyed("key-" + (n % 50_000), "Set", "{\"n\":" + n + "}"));
      }
      assertEquals(201, http.post("/streams/" + s, events + "]").status());
    }
    List<JsonNode> before = surface(http, s);
    assertEquals(50_000, before.size());
    for (boolean snapshots : new boolean[] {true, false}) {
      var config =
          RealCassandra.nodeConfig("keys_it")
              .withValue(
                  "annals.stream.snapshot-every",
                  com.typesafe.config.ConfigValueFactory.fromAnyRef(snapshots ? 1000 : 0));
      try (AnnalsNode fresh = AnnalsNode.start(config, java.time.Duration.ofMinutes(2))) {
        HttpJson other = new HttpJson(fresh.baseUrl());
        assertEquals(
            200_000, other.get("/streams/" + s + "?from=200000").body().path("version").asLong());
        assertEquals(before, surface(other, s), "snapshots " + (snapshots ? "on" : "off"));
      }
    }
  }

  private static List<JsonNode> surface(HttpJson client, String s) {
    return client.readAllPages("/streams/" + s + "/surface?limit=1000");
  }
}
