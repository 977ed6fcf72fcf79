package io.annals.node.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Grants as JSON: an array of {@code {"action": "write", "on": "order-"}} objects, or of compact
 * {@code "write:order-"} strings (the form a JWT claim usually takes). Errors name the element.
 */
public final class GrantsJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private GrantsJson() {}

  /** The grants of {@code array}; an {@link IllegalArgumentException} names what is wrong. */
  public static List<Grant> parse(JsonNode array, String at) {
    if (array == null || !array.isArray()) {
      throw new IllegalArgumentException(at + " must be an array of grants");
    }
    if (array.size() > 100) {
      throw new IllegalArgumentException(at + " may hold at most 100 grants");
    }
    List<Grant> grants = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      grants.add(one(array.get(i), at + "[" + i + "]"));
    }
    return grants;
  }

  private static Grant one(JsonNode g, String at) {
    try {
      if (g.isTextual()) {
        return Grant.parse(g.asText());
      }
      if (!g.isObject()
          || g.size() != 2
          || !g.path("action").isTextual()
          || !g.path("on").isTextual()) {
        throw new IllegalArgumentException(
            "must be {\"action\": \"read|write|invalidate|admin\", \"on\": \"<prefix>|$all|"
                + "$category:<c>|$metrics\"}");
      }
      return new Grant(Action.parse(g.get("action").asText()), g.get("on").asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
    }
  }

  /** {@code grants} as an array of objects. */
  public static ArrayNode toJson(List<Grant> grants) {
    ArrayNode array = MAPPER.createArrayNode();
    for (Grant g : grants) {
      array.addObject().put("action", g.action().wire()).put("on", g.on());
    }
    return array;
  }

  static List<Grant> parseText(String json) {
    try {
      return parse(MAPPER.readTree(json), "grants");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("grants are not JSON: " + e.getOriginalMessage(), e);
    }
  }

  static String toText(List<Grant> grants) {
    return toJson(grants).toString();
  }

  static ObjectMapper mapper() {
    return MAPPER;
  }
}
