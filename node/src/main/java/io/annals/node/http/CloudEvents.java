package io.annals.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.format.EventDeserializationException;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.jackson.JsonFormatOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * CloudEvents 1.0 in structured JSON mode, both ways, with the CloudEvents SDK's {@link JsonFormat}
 * checking and writing the format. In: {@code type} becomes the event type, {@code data} (or {@code
 * data_base64}, kept as its base64 string) the data, and every other attribute, extensions
 * included, goes as sent into the metadata member {@code "cloudevents"}; the event id is the CE
 * {@code id} when that is a UUID, else the name-based UUID of {@code source + " " + id}, so a
 * producer's retry of one CloudEvent is an idempotent retry here too. Out: the attributes come back
 * from that member (events not appended as CloudEvents get id, {@code /streams/<stream>} as source,
 * and their recorded time).
 */
final class CloudEvents {
  static final String SINGLE = "cloudevents+json";
  static final String BATCH = "cloudevents-batch+json";
  static final String METADATA = "cloudevents";
  private static final JsonFormat FORMAT =
      new JsonFormat(JsonFormatOptions.builder().disableDataContentTypeDefaulting(true).build());
  // text payloads (text/plain, application/xml) go out as a JSON string, as they came in
  private static final JsonFormat TEXT =
      new JsonFormat(
          JsonFormatOptions.builder()
              .disableDataContentTypeDefaulting(true)
              .forceStringSerialization(true)
              .build());
  private static final Set<String> CONTEXT =
      Set.of(
          "specversion",
          "id",
          "source",
          "type",
          "datacontenttype",
          "dataschema",
          "subject",
          "time");

  private CloudEvents() {}

  /** The Annals events (as the JSON of an append's events array) of a structured CE body. */
  static ArrayNode toEvents(JsonNode body, boolean batch) {
    ArrayNode events = Json.MAPPER.createArrayNode();
    if (batch) {
      if (!body.isArray()) {
        throw BadRequest.invalid("a CloudEvents batch must be a JSON array of CloudEvents");
      }
      for (int i = 0; i < body.size(); i++) {
        events.add(toEvent(body.get(i), "[" + i + "] "));
      }
    } else {
      events.add(toEvent(body, ""));
    }
    return events;
  }

  private static ObjectNode toEvent(JsonNode ce, String at) {
    if (!ce.isObject()) {
      throw BadRequest.invalid(at + "a CloudEvent must be a JSON object");
    }
    CloudEvent parsed;
    try {
      parsed = FORMAT.deserialize(Json.bytes(ce));
    } catch (EventDeserializationException | IllegalArgumentException | IllegalStateException e) {
      throw BadRequest.invalid(at + "not a valid CloudEvent: " + e.getMessage());
    }
    ObjectNode event = Json.MAPPER.createObjectNode();
    event.put("id", id(parsed).toString());
    event.put("type", parsed.getType());
    if (ce.has("data")) {
      event.set("data", ce.get("data"));
    } else if (ce.has("data_base64")) {
      event.set("data", ce.get("data_base64"));
    } else {
      event.putNull("data");
    }
    ObjectNode attributes = event.putObject("metadata").putObject(METADATA);
    for (Map.Entry<String, JsonNode> f : ce.properties()) {
      if (!f.getKey().equals("type") && !f.getKey().equals("data")) {
        attributes.set(f.getKey(), f.getValue());
      }
    }
    return event;
  }

  private static UUID id(CloudEvent ce) {
    try {
      return UUID.fromString(ce.getId());
    } catch (IllegalArgumentException notUuid) {
      return UUID.nameUUIDFromBytes(
          (ce.getSource() + " " + ce.getId()).getBytes(StandardCharsets.UTF_8));
    }
  }

  /** The structured CE JSON of an event as the HTTP API reads it. */
  static JsonNode fromEvent(JsonNode event) {
    JsonNode stored = event.path("metadata").path(METADATA);
    CloudEventBuilder b =
        CloudEventBuilder.v1()
            .withId(text(stored, "id", event.path("id").asText()))
            .withSource(
                URI.create(text(stored, "source", "/streams/" + event.path("stream").asText())))
            .withType(event.path("type").asText())
            .withTime(OffsetDateTime.parse(text(stored, "time", event.path("recorded").asText())));
    if (stored.has("subject")) {
      b.withSubject(stored.get("subject").asText());
    }
    if (stored.has("dataschema")) {
      b.withDataSchema(URI.create(stored.get("dataschema").asText()));
    }
    for (Map.Entry<String, JsonNode> f : stored.properties()) {
      if (!CONTEXT.contains(f.getKey()) && !f.getKey().equals("data_base64")) {
        extension(b, f.getKey(), f.getValue());
      }
    }
    try {
      JsonFormat format = stored.has("data_base64") ? FORMAT : TEXT;
      return Json.MAPPER.readTree(format.serialize(data(b, stored, event).build()));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("the CloudEvents SDK wrote no JSON", e);
    }
  }

  private static CloudEventBuilder data(CloudEventBuilder b, JsonNode stored, JsonNode event) {
    JsonNode data = event.get("data");
    String type = text(stored, "datacontenttype", null);
    if (stored.has("data_base64")) {
      return b.withData(type, java.util.Base64.getDecoder().decode(data.asText()));
    }
    if (type == null || type.contains("json")) {
      return b.withData(type, Json.bytes(data));
    }
    // a text payload (text/plain, application/xml) was sent as a JSON string
    return b.withData(type, data.asText().getBytes(StandardCharsets.UTF_8));
  }

  private static void extension(CloudEventBuilder b, String name, JsonNode value) {
    if (value.isBoolean()) {
      b.withExtension(name, value.asBoolean());
    } else if (value.isIntegralNumber()) {
      b.withExtension(name, value.asInt());
    } else {
      b.withExtension(name, value.asText());
    }
  }

  private static String text(JsonNode stored, String member, String otherwise) {
    return stored.hasNonNull(member) ? stored.get(member).asText() : otherwise;
  }
}
