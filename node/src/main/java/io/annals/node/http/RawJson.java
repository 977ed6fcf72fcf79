package io.annals.node.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The exact text of the {@code data} and {@code metadata} members of a request body, as the client
 * sent it (numbers such as {@code -0}, {@code 1e400} or {@code 1.50} and the whitespace between
 * tokens unchanged), found by one pass of the parser over the body's bytes. {@link AppendBody}
 * validates a body as a tree but stores these texts, so {@code data} is kept exactly; the tree's
 * compact text only serves to compare events (idempotent retries, key de-duplication). A view is a
 * place in the body ({@link #member}, {@link #index}) that asks for a member of the object there.
 */
final class RawJson {
  /** Containers deeper than this hold no event (an event of a multi-write is at depth 5). */
  private static final int EVENT_DEPTH = 5;

  static final RawJson NONE = new RawJson(Map.of(), "");

  private final Map<String, String> values;
  private final String at;

  private RawJson(Map<String, String> values, String at) {
    this.values = values;
    this.at = at;
  }

  /** The texts of {@code body}, which {@link AppendBody#tree} has already parsed as valid JSON. */
  static RawJson of(byte[] body) {
    Map<String, String> values = new HashMap<>();
    try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
      if (p.nextToken() != null) {
        walk(p, body, "", 1, values);
      }
    } catch (IOException e) {
      return NONE; // not reached for a body the tree parse took; the compact text is used then
    }
    return new RawJson(values, "");
  }

  /** The view of member {@code name} of the object here. */
  RawJson member(String name) {
    return new RawJson(values, at + "/" + name);
  }

  /** The view of element {@code i} of the array here. */
  RawJson index(int i) {
    return new RawJson(values, at + "/" + i);
  }

  /** The text member {@code name} ("data" or "metadata") had in the body, else {@code node}'s. */
  String text(String name, JsonNode node) {
    String raw = values.get(at + "/" + name);
    return raw != null ? raw : node.toString();
  }

  private static void walk(
      JsonParser p, byte[] body, String at, int depth, Map<String, String> values)
      throws IOException {
    if (p.currentToken() == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("data") || name.equals("metadata")) {
          long start = p.currentTokenLocation().getByteOffset();
          if (value.isStructStart()) {
            p.skipChildren();
          } else {
            p.finishToken();
          }
          long end = p.currentLocation().getByteOffset();
          values.put(
              at + "/" + name,
              new String(body, (int) start, (int) (end - start), StandardCharsets.UTF_8));
        } else {
          next(p, body, at + "/" + name, depth, values);
        }
      }
    } else if (p.currentToken() == JsonToken.START_ARRAY) {
      int i = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        next(p, body, at + "/" + i++, depth, values);
      }
    }
  }

  private static void next(
      JsonParser p, byte[] body, String at, int depth, Map<String, String> values)
      throws IOException {
    if (p.currentToken().isStructStart() && depth < EVENT_DEPTH) {
      walk(p, body, at, depth + 1, values);
    } else {
      p.skipChildren();
    }
  }
}
