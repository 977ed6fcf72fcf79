package io.annals.node;

import static io.annals.node.HttpJson.MAPPER;
import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.annals.node.OpenApiDocument.Operation;
import io.annals.node.RawHttp.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /openapi.json} kept in sync with the routes: every documented operation reaches a real
 * route and answers only documented statuses, media types, headers and problem types; every route
 * of docs/api.md and the README is documented; undocumented paths and methods are 404 or 405; and
 * key operations produce every status they document.
 */
class OpenApiIT extends OneNodeIT {
  private static final List<String> PROBED_METHODS =
      List.of("GET", "POST", "PUT", "DELETE", "PATCH");

  private RawHttp raw;
  private OpenApiDocument doc;
  private String category;
  private String stream;

  @Override
  protected String keyspace() {
    return "openapi_it";
  }

  @Override
  protected String nodeOverrides() {
    return "annals.http.max-body-size = 64 KiB\nannals.stream.max-keys = 3";
  }

  @BeforeAll
  void loadTheDocumentAndWriteASampleStream() {
    raw = new RawHttp(baseUrl());
    Reply served = send("GET", "/openapi.json", null, null);
    assertEquals(200, served.status(), served::toString);
    assertEquals("application/json", served.mediaType());
    doc = new OpenApiDocument(served.json());
    category = "oa" + UUID.randomUUID().toString().replace("-", "");
    stream = category + "-1";
    String keyed = "{\"type\":\"Said\",\"key\":\"k-1\",\"data\":{\"n\":1}}";
    assertEquals(201, http.post("/streams/" + stream, keyed).status());
  }

  @Test
  void servesAnOpenApi31DocumentWithPathsWhoseReferencesResolve() throws IOException {
    JsonNode root = doc.root();
    assertTrue(root.path("openapi").asText().startsWith("3.1"), root.path("openapi").asText());
    assertTrue(root.path("paths").isObject() && root.path("paths").size() > 0, "paths");
    assertFalse(doc.operations().isEmpty());
    try (InputStream resource = OpenApiIT.class.getResourceAsStream("/openapi.json")) {
      assertEquals(MAPPER.readTree(resource), root, "served as the resource says");
    }
    List<String> refs = new ArrayList<>();
    collectRefs(root, refs);
    assertFalse(refs.isEmpty());
    refs.forEach(ref -> doc.resolve(MAPPER.createObjectNode().put("$ref", ref)));
    Set<String> ids = new TreeSet<>();
    for (Operation op : doc.operations()) {
      assertTrue(ids.add(op.id()), () -> op + ": a unique operationId, was " + op.id());
      assertFalse(doc.statuses(op).isEmpty(), () -> op + " documents no response");
    }
  }

  @Test
  void servesEveryDocumentedRoute() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (Operation op : doc.operations()) {
      String url = fill(op);
      if (op.path().startsWith("/groups/{name}/")) {
        // the group routes answer for a group that exists: the documented example group
        send("PUT", fillPath("/groups/{name}"), "application/json", "{\"source\":\"$all\"}");
      }
      if (doc.isEventStream(op)) {
        wrong.addAll(checkSubscription(op, url));
        continue;
      }
      JsonNode example = doc.requestExample(op);
      String body = op.node().has("requestBody") ? bodyOf(example) : null;
      Reply r =
          send(op.method().toUpperCase(), url, body == null ? null : "application/json", body);
      if (r.status() == 405 || isUnknownPath(r)) {
        wrong.add(op + " (" + url + ") reached no route: " + r);
      } else {
        wrong.addAll(doc.mismatches(op, r));
      }
    }
    assertTrue(wrong.isEmpty(), () -> String.join("\n", wrong));
  }

  @Test
  void documentsEveryRouteOfTheApiDocsAndTheReadme() throws IOException {
    Set<String> documented = new TreeSet<>();
    doc.operations().forEach(op -> documented.add(ProseRoutes.route(op.method(), op.path())));

    assertEquals(
        documented, ProseRoutes.apiMd(), "the routes of docs/api.md are those of openapi.json");

    assertEquals(
        documented, ProseRoutes.readme(), "the README's API table lists those of openapi.json");
  }

  @Test
  void documentsEveryServedRoute() {
    List<String> wrong = new ArrayList<>();
    // every method the router serves on a documented path is documented: for the others it
    // answers 405 naming the methods it does serve there, which must be the documented ones
    for (String path : doc.paths()) {
      Set<String> documented = doc.methodsOf(path);
      String url = fillPath(path);
      for (String method : PROBED_METHODS) {
        if (documented.contains(method)) {
          continue;
        }
        Reply r = send(method, url, "application/json", "{}");
        if (r.status() != 405
            || !r.json().path("type").asText().equals("/problems/method-not-allowed")) {
          wrong.add(method + " " + url + " should be the 405 problem: " + r);
        } else if (!servedMethods(r).equals(documented)) {
          wrong.add(
              method + " " + url + ": served " + servedMethods(r) + ", documented " + documented);
        }
      }
    }
    // paths beside and below the documented ones are served by nothing
    String s = "/streams/" + stream;
    for (String path :
        List.of(
            "/",
            "/nope",
            s + "/surface/extra",
            s + "/nope",
            s + "/1/extra",
            s + "/transactions/1",
            s + "/transactions/1/invalidate/extra",
            s + "/subscribe/extra",
            "/all/nope",
            "/categories",
            "/categories/" + category + "/nope",
            "/alive/extra",
            "/metrics/extra",
            "/openapi.yaml")) {
      for (String method : List.of("GET", "POST", "DELETE")) {
        Reply r = send(method, path, "application/json", "{}");
        if (!isUnknownPath(r)) {
          wrong.add(method + " " + path + " should be the 404 not-found problem: " + r);
        }
      }
    }
    assertTrue(wrong.isEmpty(), () -> String.join("\n", wrong));
  }

  @Test
  void producesEveryDocumentedStatusOfAnAppend() {
    String s = category + "-append";
    String id = UUID.randomUUID().toString();
    String first =
        "{\"expectedVersion\":0,\"events\":[{\"id\":\"" + id + "\",\"type\":\"A\",\"data\":1}]}";
    Map<Integer, Supplier<Reply>> scenarios = new LinkedHashMap<>();
    scenarios.put(201, () -> post("/streams/" + s, first));
    scenarios.put(200, () -> post("/streams/" + s, first));
    scenarios.put(400, () -> post("/streams/" + s, "{\"events\":"));
    scenarios.put(
        409,
        () ->
            post("/streams/" + s, "{\"expectedVersion\":0,\"events\":[" + event("B", "2") + "]}"));
    scenarios.put(413, () -> post("/streams/" + s, event("Big", "\"" + "x".repeat(70_000) + "\"")));
    scenarios.put(415, () -> send("POST", "/streams/" + s, "text/plain", event("A", "1")));
    scenarios.put(
        422,
        () ->
            post(
                "/streams/" + s,
                "[" + keyed("a") + "," + keyed("b") + "," + keyed("c") + "," + keyed("d") + "]"));
    assertProducesEveryDocumentedStatus(doc.operation("appendToStream"), scenarios);
  }

  @Test
  void producesEveryDocumentedStatusOfAStreamRead() {
    String path = "/streams/" + stream;
    Map<Integer, Supplier<Reply>> scenarios = new LinkedHashMap<>();
    scenarios.put(200, () -> send("GET", path, null, null));
    scenarios.put(
        304, () -> send("GET", path, null, null, "If-None-Match", "\"" + version() + "\""));
    scenarios.put(400, () -> send("GET", path + "?limit=0", null, null));
    scenarios.put(404, () -> send("GET", "/streams/" + category + "-never", null, null));
    assertProducesEveryDocumentedStatus(doc.operation("readStream"), scenarios);
  }

  @Test
  void producesEveryDocumentedStatusOfAnInvalidation() {
    String s = category + "-invalidate";
    assertEquals(201, post("/streams/" + s, event("A", "1")).status());
    String invalidate = "/streams/" + s + "/transactions/1/invalidate";
    Map<Integer, Supplier<Reply>> scenarios = new LinkedHashMap<>();
    scenarios.put(201, () -> post(invalidate, "{\"reason\":\"test\"}"));
    scenarios.put(409, () -> post(invalidate, "{\"reason\":\"again\"}"));
    scenarios.put(400, () -> post(invalidate, "{\"why\":\"test\"}"));
    scenarios.put(
        404, () -> post("/streams/" + s + "/transactions/99/invalidate", "{\"reason\":\"test\"}"));
    scenarios.put(413, () -> post(invalidate, "{\"reason\":\"" + "x".repeat(70_000) + "\"}"));
    scenarios.put(415, () -> send("POST", invalidate, "text/plain", "{\"reason\":\"test\"}"));
    assertProducesEveryDocumentedStatus(doc.operation("invalidateTransaction"), scenarios);
  }

  @Test
  void answersAliveAndReadyAsDocumented() {
    for (String id : List.of("alive", "ready")) {
      Operation op = doc.operation(id);
      Reply r = send("GET", op.path(), null, null);
      assertEquals(List.of(), doc.mismatches(op, r));
      assertEquals(200, r.status(), r::toString);
      JsonNode example =
          doc.response(op, 200).path("content").path("application/json").path("example");
      assertEquals(example, r.json(), "the documented example");
    }
  }

  // ---- checks ---------------------------------------------------------------------------------

  /** Runs each scenario; the statuses must be all the operation's documented ones but 500/503. */
  private void assertProducesEveryDocumentedStatus(
      Operation op, Map<Integer, Supplier<Reply>> scenarios) {
    Set<Integer> expected = new TreeSet<>(doc.statuses(op));
    // a bug, and the journal being down (JournalOutageIT) are not produced here, nor the answers
    // of security, which is off here (SecurityIT produces 401, 403 and 429 on every route)
    expected.removeAll(Set.of(500, 503, 401, 403, 429));
    assertEquals(expected, new TreeSet<>(scenarios.keySet()), op + ": one scenario per status");
    List<String> wrong = new ArrayList<>();
    scenarios.forEach(
        (status, scenario) -> {
          Reply r = scenario.get();
          if (r.status() != status) {
            wrong.add(op + " should answer " + status + ": " + r);
          }
          wrong.addAll(doc.mismatches(op, r));
        });
    assertTrue(wrong.isEmpty(), () -> String.join("\n", wrong));
  }

  /** Opens the subscription, checks status, media type, headers and the first line, closes it. */
  private List<String> checkSubscription(Operation op, String url) throws Exception {
    HttpResponse<InputStream> response = raw.stream(url, "text/event-stream");
    try (InputStream body = response.body()) {
      String mediaType = RawHttp.mediaType(response.headers());
      if (response.statusCode() != 200 || !mediaType.equals("text/event-stream")) {
        return List.of(
            op + " (" + url + ") is no event stream: " + response.statusCode() + " " + mediaType);
      }
      List<String> wrong =
          new ArrayList<>(
              doc.mismatches(op, new Reply(200, response.headers(), mediaType, "", null)));
      String firstLine = new String(body.readNBytes("retry: ".length()), StandardCharsets.UTF_8);
      if (!firstLine.equals("retry: ")) {
        wrong.add(op + " starts with '" + firstLine + "', not retry:");
      }
      return wrong;
    }
  }

  private static boolean isUnknownPath(Reply r) {
    return r.status() == 404
        && r.json() != null
        && r.json().path("type").asText().equals("/problems/not-found");
  }

  /** The methods a 405 problem's detail ("this path supports GET, POST") names. */
  private static Set<String> servedMethods(Reply r) {
    String detail = r.json().path("detail").asText();
    return new TreeSet<>(
        List.of(detail.substring(detail.lastIndexOf("supports ") + 9).split(", ")));
  }

  // ---- requests -------------------------------------------------------------------------------

  /** The operation's path with sample path parameters. */
  private String fill(Operation op) {
    return fillPath(op.path());
  }

  private String fillPath(String template) {
    Matcher m = Pattern.compile("\\{([^}]+)}").matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(encode(sample(template, m.group(1)))));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The sample stream and its category; other parameters take their documented example. */
  private String sample(String path, String name) {
    return switch (name) {
      case "stream" -> stream;
      case "category" -> category;
      default -> {
        JsonNode param =
            doc.operations().stream()
                .filter(op -> op.path().equals(path))
                .flatMap(op -> doc.parameters(op).stream())
                .filter(
                    p ->
                        p.path("name").asText().equals(name)
                            && p.path("in").asText().equals("path"))
                .findFirst()
                .orElseThrow(
                    () -> new AssertionError(path + " does not declare path parameter " + name));
        assertTrue(
            param.has("example"), () -> path + ": path parameter " + name + " needs an example");
        yield param.get("example").asText();
      }
    };
  }

  /** The documented example body with its stream names made this test's own, or {@code {}}. */
  private String bodyOf(JsonNode example) {
    if (example == null) {
      return "{}";
    }
    JsonNode copy = example.deepCopy();
    ownStreams(copy);
    return copy.toString();
  }

  private void ownStreams(JsonNode node) {
    if (node instanceof ObjectNode o && o.path("stream").isTextual()) {
      o.put("stream", category + "-" + o.get("stream").asText());
    }
    node.forEach(this::ownStreams);
  }

  private long version() {
    return http.get("/streams/" + stream).body().path("version").asLong();
  }

  private static String keyed(String key) {
    return "{\"type\":\"K\",\"key\":\"" + key + "\",\"data\":1}";
  }

  private Reply post(String path, String json) {
    return raw.post(path, json);
  }

  private Reply send(
      String method, String path, String contentType, String body, String... headers) {
    return raw.send(method, path, contentType, body, headers);
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8);
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.has("$ref")) {
      refs.add(node.get("$ref").asText());
    }
    node.forEach(child -> collectRefs(child, refs));
  }
}
