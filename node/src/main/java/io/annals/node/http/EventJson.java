package io.annals.node.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.annals.node.stream.StoredEvent;
import java.io.IOException;

/**
 * Writes a stored event as the API's event object. {@code data} and {@code metadata} are stored as
 * JSON text and written raw, so they reach the reader exactly as they were stored, without a parse.
 */
final class EventJson {
  private EventJson() {}

  /** The event as one line of JSON text (for SSE {@code data:}). */
  static String text(StoredEvent e, String position) {
    java.io.StringWriter out = new java.io.StringWriter(256);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
      write(g, e, position);
    } catch (IOException x) {
      throw new java.io.UncheckedIOException(x);
    }
    return out.toString();
  }

  static void write(JsonGenerator g, StoredEvent e, String position) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", e.id().toString());
    g.writeStringField("stream", e.stream());
    g.writeNumberField("version", e.version());
    g.writeNumberField("transaction", e.transaction());
    g.writeStringField("type", e.type());
    g.writeNumberField("schemaVersion", e.schemaVersion());
    if (e.key() != null) {
      g.writeStringField("key", e.key());
    }
    g.writeFieldName("data");
    g.writeRawValue(e.data());
    if (e.metadata() != null) {
      g.writeFieldName("metadata");
      g.writeRawValue(e.metadata());
    }
    g.writeStringField("recorded", e.recorded().toString());
    if (position != null) {
      g.writeStringField("position", position);
    }
    g.writeEndObject();
  }
}
