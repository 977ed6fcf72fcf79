package io.annals.node.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.annals.api.ExpectedVersion;
import io.annals.node.stream.NewEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Parses and validates an append body — {@code {"expectedVersion", "events"}}, a single event
 * object or a bare array of events — into an expected version and {@link NewEvent}s. Types are
 * strict ({@code "1"} is not a number, {@code 7} is not a string) and every error names the member.
 */
record AppendBody(ExpectedVersion expectedVersion, List<NewEvent> events) {

  /** What one append may hold: events, and bytes of one event's data and metadata. */
  record Limits(int maxEvents, long maxEventBytes) {
    static final Limits NONE = new Limits(Integer.MAX_VALUE, Long.MAX_VALUE);
  }

  private static final Set<String> EVENT_MEMBERS =
      Set.of("id", "type", "schemaVersion", "key", "data", "metadata");
  private static final Set<String> APPEND_MEMBERS = Set.of("expectedVersion", "events");
  private static final Pattern IF_MATCH = Pattern.compile("\"(\\d{1,18})\"|\\*");

  /** Parses a whole request body of {@code POST /streams/{stream}}. */
  static AppendBody parse(byte[] body, Optional<String> ifMatch, Limits limits) {
    return fromTree(tree(body), "", ifMatchVersion(ifMatch), limits, RawJson.of(body));
  }

  /**
   * Parses a body of media subtype {@code subType}: CloudEvents ({@code cloudevents+json}, {@code
   * cloudevents-batch+json}) become the events of one append, anything else is an Annals body.
   */
  static AppendBody parse(byte[] body, String subType, Optional<String> ifMatch, Limits limits) {
    boolean batch = subType.equals(CloudEvents.BATCH);
    if (!batch && !subType.equals(CloudEvents.SINGLE)) {
      return parse(body, ifMatch, limits);
    }
    // a CloudEvent is re-shaped into an Annals event: its data is kept as compact JSON
    return fromTree(
        CloudEvents.toEvents(tree(body), batch), "", ifMatchVersion(ifMatch), limits, RawJson.NONE);
  }

  static JsonNode tree(byte[] body) {
    if (body.length == 0) {
      throw new BadRequest("malformed-json", "the request body is empty; send JSON");
    }
    Text.requireUtf8(body);
    try {
      return Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      // a broken constraint (nesting deeper than 1,000, a 20-million-character string) has no
      // location
      var where = e.getLocation();
      throw new BadRequest(
          "malformed-json",
          "the body is not valid JSON: "
              + e.getOriginalMessage()
              + (where == null
                  ? ""
                  : " at line " + where.getLineNr() + ", column " + where.getColumnNr()));
    } catch (java.io.IOException e) {
      throw new BadRequest("malformed-json", "the body could not be read");
    } catch (NumberFormatException e) {
      // valid JSON, but a number such as 1e456789012345678901234567890 has an exponent beyond what
      // the comparison of events (retries, key de-duplication) can represent; found by FuzzIT
      throw BadRequest.invalid(
          "the body holds a number whose exponent is out of range (at most 9 digits); send it as"
              + " a string");
    }
  }

  /**
   * One append inside a body; {@code at} prefixes member names in errors (e.g. "writes[2]."),
   * {@code raw} is the body's text at {@code root}.
   */
  static AppendBody fromTree(
      JsonNode root, String at, Optional<ExpectedVersion> fromHeader, Limits limits, RawJson raw) {
    AppendBody body = fromTree(root, at, fromHeader, raw);
    if (body.events().size() > limits.maxEvents()) {
      throw BadRequest.overLimit(
          "too-many-events",
          at
              + "events: "
              + body.events().size()
              + " in one append, more than the limit of "
              + limits.maxEvents()
              + " (annals.http.max-events-per-append); split it");
    }
    for (int i = 0; i < body.events().size(); i++) {
      NewEvent e = body.events().get(i);
      long bytes = e.data().length() + (e.metadata() == null ? 0 : e.metadata().length());
      if (bytes > limits.maxEventBytes()) {
        throw BadRequest.overLimit(
            "event-too-large",
            at
                + "events["
                + i
                + "]: data and metadata hold "
                + bytes
                + " characters, more than the limit of "
                + limits.maxEventBytes()
                + " (annals.http.max-event-bytes)");
      }
    }
    return body;
  }

  private static AppendBody fromTree(
      JsonNode root, String at, Optional<ExpectedVersion> fromHeader, RawJson raw) {
    if (root.isArray()) {
      return new AppendBody(
          fromHeader.orElse(ExpectedVersion.ANY), events(root, at + "events", raw));
    }
    if (!root.isObject()) {
      throw BadRequest.invalid(
          "the body must be an object or an array of events, not " + kind(root));
    }
    if (!root.has("events") && root.has("expectedVersion")) {
      throw BadRequest.invalid(
          at
              + "events is required: an append with expectedVersion carries its events as"
              + " \"events\": [ … ]");
    }
    if (!root.has("events")) {
      return new AppendBody(fromHeader.orElse(ExpectedVersion.ANY), List.of(event(root, at, raw)));
    }
    onlyKnownMembers(root, APPEND_MEMBERS, at);
    Optional<ExpectedVersion> fromBody = expectedVersion(root.get("expectedVersion"), at);
    if (fromBody.isPresent() && fromHeader.isPresent() && !fromBody.equals(fromHeader)) {
      throw BadRequest.invalid(
          "If-Match says version "
              + fromHeader.get()
              + " but expectedVersion is "
              + fromBody.get());
    }
    JsonNode events = root.get("events");
    if (!events.isArray()) {
      throw BadRequest.invalid(at + "events must be an array, not " + kind(events));
    }
    return new AppendBody(
        fromBody.or(() -> fromHeader).orElse(ExpectedVersion.ANY),
        events(events, at + "events", raw.member("events")));
  }

  private static Optional<ExpectedVersion> ifMatchVersion(Optional<String> header) {
    return header.map(
        value -> {
          var m = IF_MATCH.matcher(value.trim());
          if (!m.matches()) {
            throw BadRequest.invalid(
                "If-Match must be a stream ETag such as \"5\" (or *), was " + value);
          }
          return m.group(1) == null
              ? ExpectedVersion.EXISTS
              : ExpectedVersion.exactly(Long.parseLong(m.group(1)));
        });
  }

  private static Optional<ExpectedVersion> expectedVersion(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0) {
      return Optional.of(ExpectedVersion.exactly(node.asLong()));
    }
    if (node.isTextual() && node.asText().equals("any")) {
      return Optional.of(ExpectedVersion.ANY);
    }
    if (node.isTextual() && node.asText().equals("exists")) {
      return Optional.of(ExpectedVersion.EXISTS);
    }
    throw BadRequest.invalid(
        at + "expectedVersion must be an integer >= 0, \"any\" or \"exists\", was " + node);
  }

  private static List<NewEvent> events(JsonNode array, String at, RawJson raw) {
    if (array.isEmpty()) {
      throw BadRequest.invalid(at + " must hold at least one event");
    }
    List<NewEvent> events = new ArrayList<>(array.size());
    Set<UUID> ids = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      NewEvent e = event(array.get(i), at + "[" + i + "].", raw.index(i));
      if (!ids.add(e.id())) {
        throw BadRequest.invalid(at + "[" + i + "].id " + e.id() + " appears twice in this append");
      }
      events.add(e);
    }
    return events;
  }

  /**
   * One event. {@code data} and {@code metadata} are stored as the client sent them ({@code raw});
   * their compact text from the tree (as Annals stored them before it kept them exactly) is what
   * retries and key de-duplication compare, so a retry of an event stored before still matches.
   */
  private static NewEvent event(JsonNode node, String at, RawJson raw) {
    if (!node.isObject()) {
      throw BadRequest.invalid(at + "event must be an object, not " + kind(node));
    }
    onlyKnownMembers(node, EVENT_MEMBERS, at);
    UUID id = id(node.get("id"), at);
    String type = text(node.get("type"), at + "type", true);
    String key = text(node.get("key"), at + "key", false);
    int schemaVersion = schemaVersion(node.get("schemaVersion"), at);
    if (!node.has("data")) {
      throw BadRequest.invalid(at + "data is required (any JSON value)");
    }
    JsonNode metadata = node.get("metadata");
    if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
      throw BadRequest.invalid(at + "metadata must be an object, not " + kind(metadata));
    }
    boolean noMetadata = metadata == null || metadata.isNull();
    return NewEvent.exact(
        id,
        type,
        schemaVersion,
        key,
        raw.text("data", node.get("data")),
        noMetadata ? null : raw.text("metadata", metadata),
        Text.wellFormed(node.get("data").toString(), at + "data"),
        noMetadata ? null : Text.wellFormed(metadata.toString(), at + "metadata"));
  }

  private static UUID id(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return UUID.randomUUID();
    }
    if (node.isTextual()) {
      try {
        return UUID.fromString(node.asText());
      } catch (IllegalArgumentException notUuid) {
        // fall through to the error below
      }
    }
    throw BadRequest.invalid(
        at + "id must be a UUID string, was " + Names.abbreviate(node.toString()));
  }

  private static String text(JsonNode node, String member, boolean required) {
    if (node == null || node.isNull()) {
      if (required) {
        throw BadRequest.invalid(member + " is required (a string of 1-200 characters)");
      }
      return null;
    }
    if (!node.isTextual()) {
      throw BadRequest.invalid(member + " must be a string, not " + kind(node));
    }
    String s = Text.wellFormed(node.asText(), member);
    if (s.isEmpty() || s.length() > 200) {
      throw BadRequest.invalid(member + " must have 1-200 characters, has " + s.length());
    }
    if (member.endsWith("type") && s.startsWith("$")) {
      throw BadRequest.invalid(
          member + " '" + s + "' is reserved: types starting with $ are the store's own");
    }
    return s;
  }

  private static int schemaVersion(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return 1;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1) {
      throw BadRequest.invalid(at + "schemaVersion must be an integer >= 1, was " + node);
    }
    return node.asInt();
  }

  private static void onlyKnownMembers(JsonNode object, Set<String> known, String at) {
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw BadRequest.invalid(
            at
                + name
                + " is not a known member; expected one of "
                + new java.util.TreeSet<>(known));
      }
    }
  }

  static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> node.getNodeType().toString().toLowerCase();
    };
  }
}
