package io.annals.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The node's OpenAPI document, read for tests: its operations and, per documented response, the
 * status, media types, headers and problem {@code type}s, with local {@code $ref}s to components
 * followed.
 */
final class OpenApiDocument {
  /** The methods an OpenAPI path item may hold. */
  static final List<String> METHODS =
      List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  /** One operation: a method of a path, with its path item (for path-level parameters). */
  record Operation(String method, String path, JsonNode node, JsonNode pathItem) {
    String id() {
      return node.path("operationId").asText();
    }

    @Override
    public String toString() {
      return method.toUpperCase() + " " + path;
    }
  }

  private final JsonNode root;

  OpenApiDocument(JsonNode root) {
    this.root = root;
  }

  JsonNode root() {
    return root;
  }

  List<String> paths() {
    List<String> out = new ArrayList<>();
    root.path("paths").fieldNames().forEachRemaining(out::add);
    return out;
  }

  List<Operation> operations() {
    List<Operation> out = new ArrayList<>();
    for (String path : paths()) {
      JsonNode item = root.path("paths").get(path);
      for (String method : METHODS) {
        if (item.has(method)) {
          out.add(new Operation(method, path, item.get(method), item));
        }
      }
    }
    return out;
  }

  Operation operation(String operationId) {
    return operations().stream()
        .filter(o -> o.id().equals(operationId))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no operation " + operationId));
  }

  /** The upper-case methods the document lists for {@code path}. */
  Set<String> methodsOf(String path) {
    Set<String> out = new TreeSet<>();
    for (String method : METHODS) {
      if (root.path("paths").path(path).has(method)) {
        out.add(method.toUpperCase());
      }
    }
    return out;
  }

  /** The path item's parameters and then the operation's, with references followed. */
  List<JsonNode> parameters(Operation op) {
    List<JsonNode> out = new ArrayList<>();
    op.pathItem().path("parameters").forEach(p -> out.add(resolve(p)));
    op.node().path("parameters").forEach(p -> out.add(resolve(p)));
    return out;
  }

  Set<Integer> statuses(Operation op) {
    Set<Integer> out = new TreeSet<>();
    op.node().path("responses").fieldNames().forEachRemaining(s -> out.add(Integer.parseInt(s)));
    return out;
  }

  /** The documented response for {@code status}, or null. */
  JsonNode response(Operation op, int status) {
    JsonNode r = op.node().path("responses").get(Integer.toString(status));
    return r == null ? null : resolve(r);
  }

  /** The media types (without parameters) a response may have; empty for a bodiless one. */
  static Set<String> mediaTypes(JsonNode response) {
    Set<String> out = new LinkedHashSet<>();
    response.path("content").fieldNames().forEachRemaining(m -> out.add(m.split(";")[0].trim()));
    return out;
  }

  /** The {@code type} values a problem response may carry (its schema's {@code type} enum). */
  static Set<String> problemTypes(JsonNode response) {
    Set<String> out = new TreeSet<>();
    response
        .path("content")
        .path("application/problem+json")
        .path("schema")
        .path("properties")
        .path("type")
        .path("enum")
        .forEach(t -> out.add(t.asText()));
    return out;
  }

  static Set<String> headers(JsonNode response) {
    Set<String> out = new TreeSet<>();
    response.path("headers").fieldNames().forEachRemaining(out::add);
    return out;
  }

  /**
   * What in {@code r} the document does not describe: status, media type, problem type, headers.
   */
  List<String> mismatches(Operation op, RawHttp.Reply r) {
    JsonNode response = response(op, r.status());
    if (response == null) {
      return List.of(op + " answered an undocumented status: " + r);
    }
    List<String> wrong = new ArrayList<>();
    Set<String> media = mediaTypes(response);
    if (media.isEmpty() ? !r.raw().isEmpty() : !media.contains(r.mediaType())) {
      wrong.add(op + " " + r.status() + ": media type " + r.mediaType() + ", documented " + media);
    }
    if (r.mediaType().equals("application/problem+json")) {
      String type = r.json().path("type").asText();
      if (!problemTypes(response).contains(type)) {
        wrong.add(op + " " + r.status() + ": undocumented problem type " + type);
      }
    }
    for (String header : headers(response)) {
      if (r.headers().firstValue(header).isEmpty()) {
        wrong.add(op + " " + r.status() + ": documented header " + header + " missing");
      }
    }
    return wrong;
  }

  boolean isEventStream(Operation op) {
    JsonNode ok = response(op, 200);
    return ok != null && mediaTypes(ok).contains("text/event-stream");
  }

  /** The example of the operation's JSON request body, or null. */
  JsonNode requestExample(Operation op) {
    return op.node().path("requestBody").path("content").path("application/json").get("example");
  }

  /** {@code node} itself, or the component its {@code $ref} ("#/components/...") names. */
  JsonNode resolve(JsonNode node) {
    JsonNode ref = node.get("$ref");
    if (ref == null) {
      return node;
    }
    String pointer = ref.asText();
    if (!pointer.startsWith("#/")) {
      throw new AssertionError("not a local reference: " + pointer);
    }
    JsonNode target = root.at(pointer.substring(1));
    if (target.isMissingNode()) {
      throw new AssertionError("dangling reference: " + pointer);
    }
    return resolve(target);
  }
}
