package io.annals.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.annals.node.group.GroupSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bodies of the group routes, read strictly: every bad member is a 400 naming the member and
 * what it must be. A group's settings default to pinned, 100 in flight, 30 s ack timeout, 5
 * attempts, a checkpoint every 100 acks or 5 s, from the beginning.
 */
final class GroupBody {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");
  private static final Set<String> SETTINGS =
      Set.of(
          "source",
          "start",
          "strategy",
          "maxInFlight",
          "ackTimeout",
          "maxAttempts",
          "checkpointEvery",
          "checkpointAfter");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._\\-]{1,100}");

  private GroupBody() {}

  static String validName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new BadRequest(
          "invalid-group-name",
          "group name '"
              + Names.abbreviate(name)
              + "' must be 1-100 letters, digits, '.', '_' or '-'");
    }
    return name;
  }

  static GroupSettings settings(byte[] body) {
    JsonNode root = AppendBody.tree(body);
    if (!root.isObject()) {
      throw BadRequest.invalid("the body must be a JSON object of the group's settings");
    }
    onlyMembers(root, SETTINGS);
    JsonNode source = root.get("source");
    String category;
    if (source == null) {
      throw BadRequest.invalid("source is required: {\"category\": \"<c>\"} or \"$all\"");
    } else if (source.isTextual() && source.asText().equals("$all")) {
      category = null;
    } else if (source.isObject() && source.size() == 1 && source.path("category").isTextual()) {
      category = source.get("category").asText();
      Names.validCategory(category);
    } else {
      throw BadRequest.invalid("source must be {\"category\": \"<c>\"} or \"$all\"");
    }
    String start = text(root, "start", "beginning");
    String strategy = text(root, "strategy", GroupSettings.PINNED);
    if (!strategy.equals(GroupSettings.PINNED) && !strategy.equals(GroupSettings.ROUND_ROBIN)) {
      throw BadRequest.invalid(
          "strategy must be pinned or round-robin, was '" + Names.abbreviate(strategy) + "'");
    }
    return new GroupSettings(
        category,
        start,
        strategy,
        number(root, "maxInFlight", 100, 1, 10_000),
        duration(root, "ackTimeout", "30s", Duration.ofMillis(100), Duration.ofHours(1)),
        number(root, "maxAttempts", 5, 1, 100),
        number(root, "checkpointEvery", 100, 1, 100_000),
        duration(root, "checkpointAfter", "5s", Duration.ofMillis(100), Duration.ofMinutes(10)));
  }

  /** {@code {"ids": [...]}} (ack), or with {@code action} and {@code reason} (nack). */
  record Answers(List<String> ids, String action, String reason) {}

  static Answers answers(byte[] body, boolean nack) {
    JsonNode root = AppendBody.tree(body);
    Set<String> allowed = nack ? Set.of("ids", "action", "reason") : Set.of("ids");
    if (!root.isObject()) {
      throw BadRequest.invalid("the body must be a JSON object with ids");
    }
    onlyMembers(root, allowed);
    JsonNode ids = root.get("ids");
    if (ids == null || !ids.isArray() || ids.isEmpty() || ids.size() > 10_000) {
      throw BadRequest.invalid("ids must be an array of 1-10000 delivery ids");
    }
    List<String> out = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      if (!ids.get(i).isTextual()
          || ids.get(i).asText().isEmpty()
          || ids.get(i).asText().length() > 4096) {
        throw BadRequest.invalid("ids[" + i + "] must be a delivery id (the SSE message's id)");
      }
      out.add(ids.get(i).asText());
    }
    if (!nack) {
      return new Answers(out, null, null);
    }
    String action = text(root, "action", null);
    if (action == null || !Set.of("retry", "park", "skip").contains(action)) {
      throw BadRequest.invalid("action is required: retry, park or skip");
    }
    String reason = text(root, "reason", "");
    if (reason.length() > 1000) {
      throw BadRequest.invalid("reason may hold at most 1000 characters");
    }
    return new Answers(out, action, Text.wellFormed(reason, "reason"));
  }

  /** A 400 naming the first member of {@code root} that is not one of {@code allowed}. */
  private static void onlyMembers(JsonNode root, Set<String> allowed) {
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String member = names.next();
      if (!allowed.contains(member)) {
        throw BadRequest.invalid(
            "unknown member '"
                + Names.abbreviate(member)
                + "'; allowed: "
                + String.join(", ", new java.util.TreeSet<>(allowed)));
      }
    }
  }

  private static String text(JsonNode root, String name, String fallback) {
    JsonNode v = root.get(name);
    if (v == null) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw BadRequest.invalid(name + " must be a string");
    }
    return v.asText();
  }

  private static int number(JsonNode root, String name, int fallback, int min, int max) {
    JsonNode v = root.get(name);
    if (v == null) {
      return fallback;
    }
    if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
      throw BadRequest.invalid(name + " must be an integer from " + min + " to " + max);
    }
    return v.asInt();
  }

  private static Duration duration(
      JsonNode root, String name, String fallback, Duration min, Duration max) {
    String text = text(root, name, fallback);
    Matcher m = DURATION.matcher(text);
    Duration d = null;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d =
          switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
          };
    }
    if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw BadRequest.invalid(
          name
              + " must be a duration like \"30s\" or \"500ms\" from "
              + min.toMillis()
              + " ms to "
              + max.toSeconds()
              + " s, was '"
              + Names.abbreviate(text)
              + "'");
    }
    return d;
  }
}
