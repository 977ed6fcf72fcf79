package io.annals.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CloudEventsTest {
  private static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode roundTrip(String ce) {
    ObjectNode event = (ObjectNode) CloudEvents.toEvents(json(ce), false).get(0);
    event.put("stream", "order-1").put("recorded", "2026-12-07T10:00:00.123456Z");
    return CloudEvents.fromEvent(event);
  }

  @Test
  void keepsEveryAttributeOfAJsonCloudEvent() {
    String ce =
        "{\"specversion\":\"1.0\",\"id\":\"A-234\",\"source\":\"https://example.com/orders\","
            + "\"type\":\"com.example.order.placed\",\"datacontenttype\":\"application/json\","
            + "\"dataschema\":\"https://example.com/schema/1\",\"subject\":\"order-1\","
            + "\"time\":\"2026-12-07T10:00:00Z\",\"tenant\":\"acme\",\"priority\":3,"
            + "\"urgent\":true,\"data\":{\"amount\":1.10}}";
    assertEquals(json(ce), roundTrip(ce));
  }

  @Test
  void keepsACloudEventWithoutContentTypeAndWithTextOrBinaryData() {
    String bare =
        "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\",\"data\":[1,2]}";
    JsonNode back = roundTrip(bare);
    assertEquals(json(bare).get("data"), back.get("data"));
    // a CloudEvent sent without time reads back with the time it was recorded
    assertEquals("2026-12-07T10:00:00.123456Z", back.path("time").asText());
    assertEquals(json(bare), ((ObjectNode) back).without("time"));
    String text =
        "{\"specversion\":\"1.0\",\"id\":\"2\",\"source\":\"/s\",\"type\":\"t\","
            + "\"datacontenttype\":\"text/plain\",\"data\":\"hello\"}";
    assertEquals(json(text), ((ObjectNode) roundTrip(text)).without("time"));
    String binary =
        "{\"specversion\":\"1.0\",\"id\":\"3\",\"source\":\"/s\",\"type\":\"t\","
            + "\"datacontenttype\":\"application/octet-stream\",\"data_base64\":\"AAEC\"}";
    assertEquals(json(binary), ((ObjectNode) roundTrip(binary)).without("time"));
  }

  @Test
  void derivesANameBasedIdFromSourceAndIdUnlessTheIdIsAUuid() {
    String uuid = UUID.randomUUID().toString();
    JsonNode a =
        CloudEvents.toEvents(
            json(
                "[{\"specversion\":\"1.0\",\"id\":\""
                    + uuid
                    + "\",\"source\":\"/s\",\"type\":\"t\"},"
                    + "{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"/s\",\"type\":\"t\"}]"),
            true);
    assertEquals(uuid, a.get(0).path("id").asText());
    assertEquals(
        UUID.nameUUIDFromBytes("/s x".getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString(),
        a.get(1).path("id").asText());
  }

  @Test
  void refusesAnEventWithoutTheRequiredAttributes() {
    assertThrows(
        BadRequest.class,
        () -> CloudEvents.toEvents(json("{\"specversion\":\"1.0\",\"type\":\"t\"}"), false));
  }
}
