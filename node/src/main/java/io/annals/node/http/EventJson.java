package io.annals.node.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.annals.node.journal.StoredEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.pekko.util.ByteString;

/**
 * Writes a stored event as the API's event object. {@code data} and {@code metadata} are stored as
 * JSON text exactly as the client sent it and written raw, so they reach the reader byte for byte
 * as they were sent, without a parse. An SSE message ({@link #open}) must be one line: there, line
 * breaks between the tokens of {@code data} and {@code metadata} are sent as spaces (JSON strings
 * cannot hold a raw line break, so no string changes).
 */
final class EventJson {
  private EventJson() {}

  /**
   * The event as one line of UTF-8 JSON without its closing brace, so a subscriber can add its own
   * {@code position} (or nothing) and the {@code '}'}: the same text as {@link #write}'s.
   */
  static ByteString open(StoredEvent e) {
    ByteArrayBuilder out = new ByteArrayBuilder(512);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
      write(g, oneLine(e), null);
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    byte[] json = out.toByteArray(); // ends with the object's '}'
    return ByteString.fromArrayUnsafe(json, 0, json.length - 1);
  }

  private static StoredEvent oneLine(StoredEvent e) {
    if (!hasLineBreak(e.data()) && !hasLineBreak(e.metadata())) {
      return e;
    }
    return new StoredEvent(
        e.stream(),
        e.version(),
        e.transaction(),
        e.id(),
        e.type(),
        e.schemaVersion(),
        e.key(),
        spaced(e.data()),
        spaced(e.metadata()),
        e.recorded(),
        e.principal());
  }

  private static boolean hasLineBreak(String json) {
    return json != null && (json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0);
  }

  private static String spaced(String json) {
    return json == null ? null : json.replace('\n', ' ').replace('\r', ' ');
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
    if (e.principal() != null) {
      g.writeStringField("principal", e.principal());
    }
    if (position != null) {
      g.writeStringField("position", position);
    }
    g.writeEndObject();
  }
}
