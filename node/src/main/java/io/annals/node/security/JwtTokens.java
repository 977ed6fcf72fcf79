package io.annals.node.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JWT bearer tokens, checked with nimbus-jose-jwt: signed with RS256 or ES256 by a key of the
 * configured JWKS (a URL, cached and refreshed ahead of expiry, refetched when a token names an
 * unknown key id — key rotation; or a file, re-read when it changes), with {@code iss}, {@code
 * aud}, {@code exp} and {@code sub} required, {@code iss} and {@code aud} matched, within a small
 * clock skew. The token's grants are in the claim {@code grants-claim}: an array of {@code
 * "action:on"} strings or {@code {"action", "on"}} objects. A checked token is remembered until it
 * expires, so a client's next requests cost a map lookup, not a signature check.
 */
final class JwtTokens {
  private static final int MAX_REMEMBERED = 10_000;
  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
  private final String grantsClaim;
  private final Map<String, Principal> checked = new ConcurrentHashMap<>();

  JwtTokens(SecuritySettings.Jwt settings) {
    this.grantsClaim = settings.grantsClaim();
    processor.setJWSKeySelector(
        new JWSVerificationKeySelector<>(
            Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), keys(settings)));
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            Set.of(settings.audience()),
            new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
            Set.of("iss", "aud", "exp", "sub"),
            Set.of());
    claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
    processor.setJWTClaimsSetVerifier(claims);
  }

  private static JWKSource<SecurityContext> keys(SecuritySettings.Jwt settings) {
    if (!settings.jwksFile().isEmpty()) {
      return new FileKeys(Path.of(settings.jwksFile()));
    }
    try {
      return JWKSourceBuilder.<SecurityContext>create(URI.create(settings.jwksUrl()).toURL())
          .cache(settings.jwksCache().toMillis(), 15_000)
          .refreshAheadCache(true)
          .rateLimited(settings.jwksMinRefetch().toMillis())
          .retrying(true)
          .outageTolerant(true)
          .build();
    } catch (MalformedURLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("annals.security.jwt.jwks-url is not a URL", e);
    }
  }

  /** The principal of a JWT, or {@link Unauthenticated} saying why it was refused. */
  Principal authenticate(String token) {
    Principal known = checked.get(token);
    if (known != null && known.expires().isAfter(Instant.now())) {
      return known;
    }
    Principal principal = check(token);
    if (checked.size() >= MAX_REMEMBERED) {
      checked.clear();
    }
    checked.put(token, principal);
    return principal;
  }

  private Principal check(String token) {
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (java.text.ParseException e) {
      throw new Unauthenticated("the token is not a JWT");
    } catch (Exception e) {
      // nimbus' messages say what failed (Expired JWT, JWT audience rejected, Invalid signature)
      throw new Unauthenticated("the token was refused: " + e.getMessage());
    }
    List<Grant> grants;
    try {
      grants = grants(claims.getClaim(grantsClaim));
    } catch (IllegalArgumentException e) {
      throw new Unauthenticated("the token's " + grantsClaim + " claim: " + e.getMessage());
    }
    return new Principal(
        "jwt:" + claims.getSubject(), grants, claims.getExpirationTime().toInstant());
  }

  private static List<Grant> grants(Object claim) {
    if (claim == null) {
      return List.of();
    }
    if (!(claim instanceof List<?> list)) {
      throw new IllegalArgumentException("must be an array of grants");
    }
    List<Grant> grants = new ArrayList<>();
    for (Object g : list) {
      if (g instanceof String compact) {
        grants.add(Grant.parse(compact));
      } else if (g instanceof Map<?, ?> m
          && m.get("action") instanceof String action
          && m.get("on") instanceof String on) {
        grants.add(new Grant(Action.parse(action), on));
      } else {
        throw new IllegalArgumentException("each grant is \"action:on\" or {\"action\", \"on\"}");
      }
    }
    return grants;
  }

  /** A JWKS file, re-read when its modification time changes (a rotated Secret). */
  private static final class FileKeys implements JWKSource<SecurityContext> {
    private final Path file;
    private volatile FileTime time;
    private volatile JWKSet set = new JWKSet();

    FileKeys(Path file) {
      this.file = file;
      get(null, null);
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) {
      try {
        FileTime now = Files.getLastModifiedTime(file);
        if (!now.equals(time)) {
          set = JWKSet.load(file.toFile());
          time = now;
        }
      } catch (java.io.IOException | java.text.ParseException e) {
        if (time == null) {
          throw new IllegalArgumentException("cannot read the JWKS file " + file + ": " + e, e);
        }
      }
      return selector == null ? List.of() : selector.select(set);
    }
  }
}
