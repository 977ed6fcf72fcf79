package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * CloudEvents structured JSON over HTTP against a real node: appended as {@code
 * application/cloudevents+json} and {@code application/cloudevents-batch+json}, read back as
 * CloudEvents with every attribute (id, source, specversion, type, datacontenttype, dataschema,
 * subject, time, extensions) and the data restored, and as Annals events with the attributes in
 * metadata.
 */
class CloudEventsIT extends OneNodeIT {
  private static final String CE = "application/cloudevents+json";
  private static final String BATCH = "application/cloudevents-batch+json";

  @Override
  protected String keyspace() {
    return "cloud_events_it";
  }

  private static String cloudEvent(String id, String subject) {
    return "{\"specversion\":\"1.0\",\"id\":\""
        + id
        + "\",\"source\":\"https://shop.example.com/orders\","
        + "\"type\":\"com.example.order.placed\",\"datacontenttype\":\"application/json\","
        + "\"dataschema\":\"https://shop.example.com/schemas/order/1\",\"subject\":\""
        + subject
        + "\",\"time\":\"2026-12-07T10:00:00.5Z\",\"tenant\":\"acme\",\"priority\":3,"
        + "\"data\":{\"amount\":\"1.10\",\"items\":[1,2]}}";
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void subscriptionsAnswerCloudEventsOnRequest() throws Exception {
    String category = "cesub" + UUID.randomUUID().toString().replace("-", "");
    String sent = cloudEvent(UUID.randomUUID().toString(), "order-2");
    assertEquals(201, http.postRaw("/streams/" + category + "-1", CE, bytes(sent)).status());
    for (String path :
        java.util.List.of(
            "/streams/" + category + "-1/subscribe?events=cloudevents",
            "/categories/" + category + "/subscribe?events=cloudevents")) {
      try (SseClient sse = new SseClient(baseUrl() + path)) {
        SseClient.Message m = sse.events(1, java.time.Duration.ofSeconds(20)).get(0);
        assertEquals(null, m.event(), "no event: line");
        assertEquals(tree(sent), tree(m.data()), path);
        CloudEvent parsed = new JsonFormat().deserialize(bytes(m.data()));
        assertEquals("acme", parsed.getExtension("tenant"));
      }
    }
    assertEquals(
        400, http.get("/streams/" + category + "-1/subscribe?events=xml").status(), "unknown form");
  }

  @Test
  void roundTripsEveryAttributeOfOneCloudEvent() {
    String stream = "ce-" + UUID.randomUUID();
    String id = UUID.randomUUID().toString();
    String sent = cloudEvent(id, "order-1");
    HttpJson.Response appended = http.postRaw("/streams/" + stream, CE, bytes(sent));
    assertEquals(201, appended.status(), appended.raw());
    assertEquals(id, appended.body().path("events").get(0).path("id").asText());

    HttpJson.Response one = http.get("/streams/" + stream + "/1", "Accept", CE);
    assertEquals(200, one.status(), one.raw());
    assertEquals(CE, one.contentType());
    assertEquals(tree(sent), one.body());
    CloudEvent parsed = new JsonFormat().deserialize(bytes(one.raw()));
    assertEquals("acme", parsed.getExtension("tenant"));
    assertEquals(3, parsed.getExtension("priority"));

    JsonNode plain = http.get("/streams/" + stream + "/1").body();
    assertEquals("com.example.order.placed", plain.path("type").asText());
    assertEquals("1.10", plain.path("data").path("amount").asText());
    assertEquals(
        "https://shop.example.com/orders",
        plain.path("metadata").path("cloudevents").path("source").asText());
  }

  @Test
  void appendsABatchAtomicallyAndReadsThePageAsABatch() {
    String stream = "ce-" + UUID.randomUUID();
    String batch = "[" + cloudEvent("A-1", "order-1") + "," + cloudEvent("A-2", "order-2") + "]";
    HttpJson.Response appended = http.postRaw("/streams/" + stream, BATCH, bytes(batch));
    assertEquals(201, appended.status(), appended.raw());
    assertEquals(1, appended.body().path("transaction").asLong());
    // the same CloudEvents again (same source and id): an idempotent retry, nothing written
    assertEquals(200, http.postRaw("/streams/" + stream, BATCH, bytes(batch)).status());

    HttpJson.Response page = http.get("/streams/" + stream + "?limit=1", "Accept", BATCH);
    assertEquals(BATCH, page.contentType());
    assertEquals(tree("[" + cloudEvent("A-1", "order-1") + "]"), page.body());
    assertTrue(page.header("Link").contains("rel=\"next\""), page.header("Link"));
    assertEquals(tree(batch), http.get("/streams/" + stream, "Accept", BATCH).body());
  }

  @Test
  void readsACategoryPageAsABatchWhoseLinkGoesOnAfterIt() {
    String category = "ce" + UUID.randomUUID().toString().replace("-", "");
    String batch = "[" + cloudEvent("B-1", "order-1") + "," + cloudEvent("B-2", "order-2") + "]";
    HttpJson.Response appended = http.postRaw("/streams/" + category + "-1", BATCH, bytes(batch));
    String position =
        java.net.URLEncoder.encode(
            appended.body().path("position").asText(), StandardCharsets.UTF_8);
    HttpJson.Response first =
        http.get("/categories/" + category + "?limit=1&waitFor=" + position, "Accept", BATCH);
    assertEquals(BATCH, first.contentType(), first.raw());
    assertEquals(tree("[" + cloudEvent("B-1", "order-1") + "]"), first.body());
    String link = first.header("Link");
    assertTrue(link.startsWith("</categories/" + category + "?") && link.contains("after="), link);
    HttpJson.Response second = http.get(link.substring(1, link.indexOf('>')), "Accept", BATCH);
    assertEquals(tree("[" + cloudEvent("B-2", "order-2") + "]"), second.body());
    assertEquals(BATCH, http.get("/all?limit=1", "Accept", BATCH).contentType());
  }

  @Test
  void refusesACloudEventWithoutItsRequiredAttributes() {
    http.postRaw(
            "/streams/ce-" + UUID.randomUUID(),
            CE,
            bytes("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":1}"))
        .assertProblem(400, "invalid-request");
  }

  private static JsonNode tree(String json) {
    try {
      return HttpJson.MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
