package io.annals.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JWTs against a JWKS served over HTTP, as an identity provider serves it: what is accepted, what
 * is refused and why, and a rotation of the issuer's signing key picked up without a restart.
 */
class JwtTokensTest {
  private static final String ISSUER = "https://idp.test";
  private HttpServer idp;
  private final AtomicReference<String> jwks = new AtomicReference<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private RSAKey first;
  private JwtTokens tokens;

  @BeforeEach
  void startIssuer() throws Exception {
    first = new RSAKeyGenerator(2048).keyID("k1").generate();
    jwks.set(new JWKSet(first.toPublicJWK()).toString());
    idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    idp.createContext(
        "/jwks",
        exchange -> {
          fetches.incrementAndGet();
          byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    idp.start();
    String url = "http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks";
    tokens =
        new JwtTokens(
            new SecuritySettings.Jwt(
                url,
                "",
                Duration.ofMinutes(5),
                Duration.ofMillis(200),
                ISSUER,
                "annals",
                Duration.ofSeconds(5),
                "annals_grants"));
  }

  @AfterEach
  void stopIssuer() {
    idp.stop(0);
  }

  private static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .subject("svc")
        .audience("annals")
        .expirationTime(Date.from(Instant.now().plusSeconds(600)))
        .claim(
            "annals_grants",
            List.of("read:order-", java.util.Map.of("action", "write", "on", "order-")));
  }

  private static String sign(JWSSigner signer, JWSAlgorithm alg, String kid, JWTClaimsSet c)
      throws Exception {
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), c);
    jwt.sign(signer);
    return jwt.serialize();
  }

  @Test
  void aValidTokenGivesItsSubjectAndGrantsAndIsCheckedOnce() throws Exception {
    String token = sign(new RSASSASigner(first), JWSAlgorithm.RS256, "k1", claims().build());
    Principal p = tokens.authenticate(token);
    assertEquals("jwt:svc", p.name());
    assertTrue(p.mayOnStream(Action.READ, "order-1"));
    assertTrue(p.mayOnStream(Action.WRITE, "order-1"));
    int fetched = fetches.get();
    tokens.authenticate(token);
    assertEquals(fetched, fetches.get(), "the keys are cached");
  }

  @Test
  void tokensMissingARequiredClaimOrForSomeoneElseAreRefused() throws Exception {
    RSASSASigner signer = new RSASSASigner(first);
    for (JWTClaimsSet c :
        List.of(
            claims().subject(null).build(),
            claims().expirationTime(null).build(),
            claims().issuer("https://other.test").build(),
            claims().audience("other").build(),
            claims().expirationTime(Date.from(Instant.now().minusSeconds(60))).build())) {
      String token = sign(signer, JWSAlgorithm.RS256, "k1", c);
      assertThrows(Unauthenticated.class, () -> tokens.authenticate(token), c.toString());
    }
  }

  @Test
  void onlyRs256AndEs256AreAcceptedNeverHmacOrNone() throws Exception {
    String hmac = sign(new MACSigner(new byte[32]), JWSAlgorithm.HS256, "k1", claims().build());
    assertThrows(Unauthenticated.class, () -> tokens.authenticate(hmac));
    String none = new PlainJWT(claims().build()).serialize();
    assertThrows(Unauthenticated.class, () -> tokens.authenticate(none));
    String grants =
        sign(
            new RSASSASigner(first),
            JWSAlgorithm.RS256,
            "k1",
            claims().claim("annals_grants", List.of("steal:everything")).build());
    Unauthenticated bad = assertThrows(Unauthenticated.class, () -> tokens.authenticate(grants));
    assertTrue(bad.getMessage().contains("annals_grants"), bad.getMessage());
  }

  @Test
  void aRotatedSigningKeyIsFetchedWhenATokenNamesIt() throws Exception {
    tokens.authenticate(sign(new RSASSASigner(first), JWSAlgorithm.RS256, "k1", claims().build()));
    RSAKey next = new RSAKeyGenerator(2048).keyID("k2").generate();
    jwks.set(new JWKSet(List.of(first.toPublicJWK(), next.toPublicJWK())).toString());
    Thread.sleep(300); // the minimum time between fetches
    String rotated =
        sign(new RSASSASigner(next), JWSAlgorithm.RS256, "k2", claims().subject("new").build());
    assertEquals("jwt:new", tokens.authenticate(rotated).name());
  }
}
