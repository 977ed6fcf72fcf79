package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.annals.node.security.ApiKeys;
import io.annals.node.security.Grant;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Tokens and grants on a real node: every route against a missing, expired, badly signed or
 * misaddressed token (401), a grant on another prefix (403) and the grant the route needs (its
 * success), in both modes, API keys and JWTs, with the store read back to show that no refused
 * request changed anything; plus all-or-nothing multi-stream writes, the principal recorded with
 * each event, the access log, key revocation, a subscription that ends when its token expires and
 * resumes without loss, and the per-principal subscription cap.
 */
class SecurityIT extends OneNodeIT {
  private static final String ISSUER = "https://issuer.annals.test";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Path DIR;
  private static final RSAKey SIGNING;
  private static final ECKey EC_SIGNING;
  private static final RSAKey STRANGER;
  private static final String ADMIN_KEY;

  static {
    try {
      DIR = Files.createTempDirectory("annals-security-it");
      SIGNING = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
      EC_SIGNING = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
      STRANGER = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
      Files.writeString(
          DIR.resolve("jwks.json"),
          new JWKSet(List.of(SIGNING.toPublicJWK(), EC_SIGNING.toPublicJWK())).toString());
      String[] admin = ApiKeys.keygen("file-admin", List.of(Grant.parse("admin:$all")));
      ADMIN_KEY = admin[0];
      Files.writeString(DIR.resolve("keys.json"), "[" + admin[1] + "]");
    } catch (IOException | JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected String keyspace() {
    return "security_it";
  }

  @Override
  protected String nodeOverrides() {
    return """
        annals.subscriptions.heartbeat = 1s
        annals.security {
          authentication = "api-keys,jwt"
          access-log = on
          max-subscriptions-per-principal = 3
          max-requests-per-principal = 2
          api-keys.file = "%s"
          jwt.jwks-file = "%s"
          jwt.issuer = "%s"
          jwt.audience = "annals"
          jwt.clock-skew = 1s
        }
        """
        .formatted(DIR.resolve("keys.json"), DIR.resolve("jwks.json"), ISSUER);
  }

  // ---- the matrix ------------------------------------------------------------------------------

  /** One route, the grant that lets it through, and its status then. */
  private record Route(String method, String path, String type, String body, String grant, int ok) {
    String withGrantOn(String other) {
      return grant.substring(0, grant.indexOf(':') + 1) + other;
    }
  }

  private static List<Route> routes(String m) {
    String s = "order-" + m;
    String event = "{\"events\":[{\"type\":\"T\",\"data\":{\"n\":1}}]}";
    String json = "application/json";
    return List.of(
        new Route("POST", "/streams/" + s + "-1", json, event, "write:order-", 201),
        new Route(
            "POST",
            "/streams",
            json,
            "{\"writes\":[{\"stream\":\"" + s + "-2\",\"events\":[{\"type\":\"T\",\"data\":1}]}]}",
            "write:order-",
            200),
        new Route(
            "POST",
            "/streams/" + s + "-1/append-stream",
            "application/x-ndjson",
            event + "\n",
            "write:order-",
            200),
        new Route(
            "POST",
            "/streams/" + s + "-0/transactions/1/invalidate",
            json,
            "{\"reason\":\"test\"}",
            "invalidate:order-",
            201),
        new Route("GET", "/streams/" + s + "-0", null, null, "read:order-", 200),
        new Route("GET", "/streams/" + s + "-0/surface", null, null, "read:order-", 200),
        new Route("GET", "/streams/" + s + "-0/1", null, null, "read:order-", 200),
        new Route("GET", "/streams/" + s + "-0/subscribe", null, null, "read:order-", 200),
        new Route("GET", "/categories/order", null, null, "read:$category:order", 200),
        new Route("GET", "/categories/order/subscribe", null, null, "read:order", 200),
        new Route("GET", "/all", null, null, "read:$all", 200),
        new Route("GET", "/all/subscribe", null, null, "read:$all", 200),
        new Route("GET", "/streams", null, null, "read:$all", 200),
        new Route("GET", "/metrics", null, null, "read:$metrics", 200),
        new Route("GET", "/keys", null, null, "admin:$all", 200),
        new Route(
            "POST",
            "/keys",
            json,
            "{\"name\":\"made-" + m + "\",\"grants\":[\"read:order-\"]}",
            "admin:$all",
            201),
        new Route("DELETE", "/keys/made-" + m, null, null, "admin:$all", 204));
  }

  /** How a mode makes tokens: API keys or JWTs. */
  private interface Tokens {
    String expired();

    String badSignature();

    String wrongAudience();

    /** A token of principal {@code name} with {@code grants} ("action:on"). */
    String with(String name, String... grants);
  }

  private final class Keys implements Tokens {
    @Override
    public String expired() {
      // an API key does not expire: a revoked one is the closest
      String key = with("revoked-" + UUID.randomUUID().toString().substring(0, 8), "read:$all");
      String name = whoAmI(key);
      assertEquals(204, send("DELETE", "/keys/" + name.substring(4), ADMIN_KEY, null, null).status);
      return key;
    }

    @Override
    public String badSignature() {
      String key = with("forged-" + UUID.randomUUID().toString().substring(0, 8), "admin:$all");
      return key.substring(0, key.length() - 4) + "0000";
    }

    @Override
    public String wrongAudience() {
      return "ak_notakey";
    }

    @Override
    public String with(String name, String... grants) {
      StringBuilder body = new StringBuilder("{\"name\":\"" + name + "\",\"grants\":[");
      for (int i = 0; i < grants.length; i++) {
        body.append(i == 0 ? "" : ",").append('"').append(grants[i]).append('"');
      }
      Reply r = send("POST", "/keys", ADMIN_KEY, "application/json", body.append("]}").toString());
      assertEquals(201, r.status, r.body);
      return json(r.body).path("key").asText();
    }
  }

  private static final class Jwts implements Tokens {
    @Override
    public String expired() {
      return jwt(SIGNING, "expired", "annals", Instant.now().minusSeconds(60), "admin:$all");
    }

    @Override
    public String badSignature() {
      return jwt(STRANGER, "forger", "annals", Instant.now().plusSeconds(600), "admin:$all");
    }

    @Override
    public String wrongAudience() {
      return jwt(SIGNING, "lost", "not-annals", Instant.now().plusSeconds(600), "admin:$all");
    }

    @Override
    public String with(String name, String... grants) {
      return jwt(SIGNING, name, "annals", Instant.now().plusSeconds(600), grants);
    }
  }

  @Test
  void everyRouteAnswersExactlyAsItsGrantsSayWithApiKeys() {
    matrix("k", new Keys());
  }

  @Test
  void everyRouteAnswersExactlyAsItsGrantsSayWithJwts() {
    matrix("j", new Jwts());
  }

  private int named;

  private void matrix(String m, Tokens tokens) {
    String seed = "order-" + m + "-0";
    Reply seeded = send("POST", "/streams/" + seed, ADMIN_KEY, "application/json", events(1));
    assertEquals(201, seeded.status, seeded.body);
    // every token first: making an API key changes the store (its key list)
    List<String> refused = List.of(tokens.expired(), tokens.badSignature(), tokens.wrongAudience());
    List<Route> routes = routes(m);
    List<String> elsewhere = new ArrayList<>();
    List<String> right = new ArrayList<>();
    for (Route route : routes) {
      elsewhere.add(tokens.with("elsewhere-" + m + "-" + (++named), route.withGrantOn("invoice-")));
      right.add(tokens.with("right-" + m + "-" + (++named), route.grant));
    }
    String before = store();
    for (int i = 0; i < routes.size(); i++) {
      Route route = routes.get(i);
      Reply none = send(route.method, route.path, null, route.type, route.body);
      assertUnauthorized(none, route, "no token");
      assertEquals("Bearer realm=\"annals\"", none.header("WWW-Authenticate"));
      for (String token : refused) {
        Reply r = send(route.method, route.path, token, route.type, route.body);
        assertUnauthorized(r, route, token);
        assertTrue(
            r.header("WWW-Authenticate").contains("error=\"invalid_token\""),
            r.header("WWW-Authenticate"));
      }
      Reply other = send(route.method, route.path, elsewhere.get(i), route.type, route.body);
      assertEquals(403, other.status, route + " with a grant on invoice-: " + other.body);
      assertEquals("/problems/forbidden", json(other.body).path("type").asText());
      assertTrue(
          json(other.body).path("detail").asText().contains(route.grant.split(":")[0]), other.body);
    }
    assertEquals(before, store(), "no refused request changed the store");
    for (int i = 0; i < routes.size(); i++) {
      Route route = routes.get(i);
      Reply r = send(route.method, route.path, right.get(i), route.type, route.body);
      assertEquals(route.ok, r.status, route + " with " + route.grant + ": " + r.body);
    }
  }

  @Test
  void aMultiStreamWriteIsRefusedWholeWhenOneStreamIsNotGranted() {
    String writer = new Jwts().with("half", "write:order-half-a");
    String body =
        "{\"writes\":["
            + "{\"stream\":\"order-half-a\",\"events\":[{\"type\":\"T\",\"data\":1}]},"
            + "{\"stream\":\"order-half-b\",\"events\":[{\"type\":\"T\",\"data\":1}]}]}";
    Reply r = send("POST", "/streams", writer, "application/json", body);
    assertEquals(403, r.status, r.body);
    assertTrue(json(r.body).path("detail").asText().contains("order-half-b"), r.body);
    for (String s : List.of("order-half-a", "order-half-b")) {
      assertEquals(404, send("GET", "/streams/" + s, ADMIN_KEY, null, null).status, s);
    }
  }

  @Test
  void eachEventRecordsWhoWroteItAndTheAccessLogSaysWhoDidWhat() {
    Logger access = (Logger) LoggerFactory.getLogger("annals.access");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    access.addAppender(lines);
    try {
      String viaJwt = new Jwts().with("writer-7", "write:order-rec");
      String viaKey = new Keys().with("writer-key", "write:order-rec");
      String body = "{\"events\":[{\"type\":\"T\",\"data\":1,\"principal\":\"forged\"}]}";
      assertEquals(
          400, send("POST", "/streams/order-rec", viaJwt, "application/json", body).status);
      assertEquals(
          201, send("POST", "/streams/order-rec", viaJwt, "application/json", events(1)).status);
      assertEquals(
          201, send("POST", "/streams/order-rec", viaKey, "application/json", events(1)).status);
      JsonNode read = json(send("GET", "/streams/order-rec", ADMIN_KEY, null, null).body);
      assertEquals("jwt:writer-7", read.path("events").get(0).path("principal").asText());
      assertEquals("key:writer-key", read.path("events").get(1).path("principal").asText());
      List<String> logged = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertTrue(
          logged.stream().anyMatch(l -> l.startsWith("jwt:writer-7 POST /streams/order-rec 201 ")),
          logged.toString());
      assertEquals(401, send("GET", "/all?limit=1", null, null, null).status);
      List<String> after = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertTrue(
          after.stream().anyMatch(l -> l.startsWith("- GET /all?limit=1 401 ")), after.toString());
    } finally {
      access.detachAppender(lines);
    }
  }

  @Test
  void aRevokedKeyIsRefusedAtOnce() {
    Keys keys = new Keys();
    String key = keys.with("short-lived", "read:order-");
    assertEquals(404, send("GET", "/streams/order-none", key, null, null).status);
    assertEquals(204, send("DELETE", "/keys/short-lived", ADMIN_KEY, null, null).status);
    Reply after = send("GET", "/streams/order-none", key, null, null);
    assertEquals(401, after.status, after.body);
    JsonNode listed = json(send("GET", "/keys", ADMIN_KEY, null, null).body);
    assertTrue(listed.toString().contains("file-admin"), listed.toString());
    assertTrue(!listed.toString().contains("short-lived"), listed.toString());
    assertTrue(!listed.toString().contains("ak_"), "keys are never listed: " + listed);
  }

  @Test
  void aSubscriptionEndsWhenItsTokenExpiresAndResumesWithAFreshOneLosingNothing() throws Exception {
    String stream = "order-expiring";
    assertEquals(
        201, send("POST", "/streams/" + stream, ADMIN_KEY, "application/json", events(3)).status);
    String shortLived =
        jwt(SIGNING, "reader", "annals", Instant.now().plusSeconds(3), "read:order-");
    List<String> seen = new ArrayList<>();
    try (SseClient first =
        new SseClient(
            baseUrl() + "/streams/" + stream + "/subscribe",
            null,
            1000,
            "Authorization",
            "Bearer " + shortLived)) {
      assertEquals(200, first.status());
      first.events(3, Duration.ofSeconds(10)).forEach(e -> seen.add(e.id()));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!first.ended() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(first.ended(), "the server ended the subscription when the token expired");
    }
    // written while the client had no subscription
    assertEquals(
        201, send("POST", "/streams/" + stream, ADMIN_KEY, "application/json", events(2)).status);
    String fresh = new Jwts().with("reader", "read:order-");
    try (SseClient second =
        new SseClient(
            baseUrl() + "/streams/" + stream + "/subscribe",
            seen.get(seen.size() - 1),
            1000,
            "Authorization",
            "Bearer " + fresh)) {
      second.events(2, Duration.ofSeconds(10)).forEach(e -> seen.add(e.id()));
    }
    assertEquals(List.of("1", "2", "3", "4", "5"), seen, "no gap, no duplicate");
  }

  @Test
  void onePrincipalCannotHoldMoreSubscriptionsThanItsCapWhileOthersAreServed() throws Exception {
    String greedy = new Jwts().with("greedy", "read:$all");
    List<SseClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        open.add(sse("/all/subscribe", greedy));
        assertEquals(200, open.get(i).status());
      }
      Reply refused = send("GET", "/all/subscribe", greedy, null, null);
      assertEquals(429, refused.status, refused.body);
      assertEquals("/problems/too-many-open", json(refused.body).path("type").asText());
      assertNotNull(refused.header("Retry-After"));
      try (SseClient other = sse("/all/subscribe", new Jwts().with("modest", "read:$all"))) {
        assertEquals(200, other.status(), "another principal is served");
      }
      open.remove(0).close();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      int status = 0;
      while (status != 200 && System.nanoTime() < deadline) {
        SseClient again = sse("/all/subscribe", greedy);
        status = again.status();
        if (status == 200) {
          open.add(again);
        } else {
          again.close();
          Thread.sleep(100);
        }
      }
      assertEquals(200, status, "a closed subscription gives its place back");
    } finally {
      open.forEach(SseClient::close);
    }
  }

  @Test
  void onePrincipalCannotHoldMoreRequestsInProgressThanItsCap() throws Exception {
    String slow = new Jwts().with("slow", "write:order-slow");
    String body = events(1);
    List<java.net.Socket> held = new ArrayList<>();
    try {
      // two appends whose bodies are still coming: both are in progress
      for (int i = 0; i < 2; i++) {
        java.net.Socket socket = new java.net.Socket("127.0.0.1", node.httpPort());
        held.add(socket);
        socket
            .getOutputStream()
            .write(
                ("POST /streams/order-slow-"
                        + i
                        + " HTTP/1.1\r\nHost: x\r\n"
                        + "Authorization: Bearer "
                        + slow
                        + "\r\n"
                        + "Content-Type: application/json\r\nContent-Length: "
                        + body.length()
                        + "\r\n\r\n"
                        + body.substring(0, 5))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
      }
      Thread.sleep(500);
      Reply refused = send("POST", "/streams/order-slow-2", slow, "application/json", body);
      assertEquals(429, refused.status, refused.body);
      assertEquals("/problems/too-many-open", json(refused.body).path("type").asText());
      assertNotNull(refused.header("Retry-After"));
      String other = new Jwts().with("quick", "write:order-slow");
      assertEquals(
          201, send("POST", "/streams/order-slow-3", other, "application/json", body).status);
      // the bodies arrive: both appends are answered and the principal may go on
      for (java.net.Socket socket : held) {
        socket
            .getOutputStream()
            .write(body.substring(5).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        String status =
            new java.io.BufferedReader(
                    new java.io.InputStreamReader(
                        socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))
                .readLine();
        assertEquals("HTTP/1.1 201 Created", status);
      }
      assertEquals(
          201, send("POST", "/streams/order-slow-2", slow, "application/json", body).status);
    } finally {
      for (java.net.Socket socket : held) {
        socket.close();
      }
    }
  }

  @Test
  void aGroupIsManagedAndConsumedOnlyByPrincipalsThatMayReadItsSource() {
    Jwts jwts = new Jwts();
    String orders = jwts.with("projector", "read:$category:order");
    String invoices = jwts.with("other-projector", "read:$category:invoice");
    String body = "{\"source\":{\"category\":\"order\"}}";
    assertEquals(403, send("PUT", "/groups/orders", invoices, "application/json", body).status);
    assertEquals(
        403,
        send("PUT", "/groups/everything", orders, "application/json", "{\"source\":\"$all\"}")
            .status,
        "$all needs read on $all");
    assertEquals(201, send("PUT", "/groups/orders", orders, "application/json", body).status);
    for (String[] r :
        List.of(
            new String[] {"GET", "/groups/orders"},
            new String[] {"GET", "/groups/orders/subscribe"},
            new String[] {"POST", "/groups/orders/ack"},
            new String[] {"GET", "/groups/orders/parked"},
            new String[] {"DELETE", "/groups/orders"})) {
      Reply refused = send(r[0], r[1], invoices, "application/json", "{\"ids\":[\"x\"]}");
      assertEquals(403, refused.status, r[1] + ": " + refused.body);
      assertEquals(401, send(r[0], r[1], null, "application/json", "{}").status, r[1]);
    }
    assertEquals("{\"groups\":[]}", send("GET", "/groups", invoices, null, null).body);
    assertEquals(200, send("GET", "/groups/orders/subscribe", orders, null, null).status);
    assertEquals(
        200,
        send("POST", "/groups/orders/ack", orders, "application/json", "{\"ids\":[\"x\"]}").status);
    assertEquals(204, send("DELETE", "/groups/orders", orders, null, null).status);
  }

  @Test
  void publicRoutesNeedNoToken() {
    for (String path : List.of("/alive", "/ready", "/openapi.json")) {
      assertEquals(200, send("GET", path, null, null, null).status, path);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private SseClient sse(String path, String token) throws Exception {
    return new SseClient(baseUrl() + path, null, 1000, "Authorization", "Bearer " + token);
  }

  private static String jwt(
      com.nimbusds.jose.jwk.JWK key,
      String subject,
      String audience,
      Instant expires,
      String... grants) {
    try {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .issuer(ISSUER)
              .subject(subject)
              .audience(audience)
              .expirationTime(Date.from(expires))
              .issueTime(new Date())
              .claim("annals_grants", List.of(grants))
              .build();
      boolean ec = key instanceof ECKey;
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(ec ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256)
                  .keyID(key.getKeyID())
                  .build(),
              claims);
      jwt.sign(ec ? new ECDSASigner((ECKey) key) : new RSASSASigner((RSAKey) key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anEs256TokenIsAcceptedToo() {
    String token =
        jwt(EC_SIGNING, "ec-reader", "annals", Instant.now().plusSeconds(60), "read:$all");
    assertEquals(200, send("GET", "/all", token, null, null).status);
  }

  /** The whole store as the admin sees it: every event of /all, the stream list and the keys. */
  private String store() {
    List<JsonNode> all = new ArrayList<>();
    String after = null;
    while (true) {
      JsonNode page =
          json(
              send(
                      "GET",
                      "/all?limit=1000" + (after == null ? "" : "&after=" + after),
                      ADMIN_KEY,
                      null,
                      null)
                  .body);
      if (page.path("events").isEmpty()) {
        break;
      }
      page.path("events").forEach(all::add);
      after = page.path("next").asText();
    }
    return all
        + "\n"
        + send("GET", "/streams?limit=1000", ADMIN_KEY, null, null).body
        + "\n"
        + send("GET", "/keys", ADMIN_KEY, null, null).body.replaceAll("\"created\":\"[^\"]*\"", "");
  }

  private static String events(int n) {
    StringBuilder b = new StringBuilder("{\"events\":[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("{\"type\":\"T\",\"data\":{\"i\":").append(i).append("}}");
    }
    return b.append("]}").toString();
  }

  private String whoAmI(String key) {
    // the key's name is in its 403 detail ("key:<name> may not ...")
    Reply r = send("POST", "/keys", key, "application/json", "{}");
    String detail = json(r.body).path("detail").asText();
    return detail.substring(0, detail.indexOf(' '));
  }

  private static void assertUnauthorized(Reply r, Route route, String how) {
    assertEquals(401, r.status, route + " with " + how + ": " + r.body);
    assertEquals("/problems/unauthorized", json(r.body).path("type").asText(), r.body);
    assertNotNull(r.header("WWW-Authenticate"), "401 carries WWW-Authenticate");
  }

  private record Reply(int status, java.net.http.HttpHeaders headers, String body) {
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  /** Sends a request; an SSE answer (200, text/event-stream) is closed after its headers. */
  private Reply send(String method, String path, String token, String type, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (type != null) {
      b.header("Content-Type", type);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      String text;
      if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
        r.body().close();
        text = "";
      } else {
        try (InputStream in = r.body()) {
          text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
      }
      return new Reply(r.statusCode(), r.headers(), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode json(String text) {
    try {
      return HttpJson.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + text, e);
    }
  }
}
