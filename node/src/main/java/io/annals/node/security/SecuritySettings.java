package io.annals.node.security;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** The typed view of {@code annals.security}, read once at start-up. */
public record SecuritySettings(
    boolean apiKeys,
    boolean jwt,
    boolean allowAnonymous,
    boolean accessLog,
    int maxRequestsPerPrincipal,
    int maxSubscriptionsPerPrincipal,
    String keyFile,
    Duration keyRefresh,
    Duration keyBroadcastTimeout,
    Jwt jwtSettings) {

  /** {@code annals.security.jwt}. */
  public record Jwt(
      String jwksUrl,
      String jwksFile,
      Duration jwksCache,
      Duration jwksMinRefetch,
      String issuer,
      String audience,
      Duration clockSkew,
      String grantsClaim) {}

  /** Whether any authentication is on (else every request is anonymous and may do anything). */
  public boolean enabled() {
    return apiKeys || jwt;
  }

  public static SecuritySettings from(Config root) {
    Config c = root.getConfig("annals.security");
    List<String> modes =
        Arrays.stream(c.getString("authentication").split(","))
            .map(String::trim)
            .filter(m -> !m.isEmpty())
            .toList();
    for (String m : modes) {
      if (!m.equals("api-keys") && !m.equals("jwt")) {
        throw new IllegalArgumentException(
            "annals.security.authentication: '" + m + "' is not api-keys or jwt");
      }
    }
    Config j = c.getConfig("jwt");
    Jwt jwt =
        new Jwt(
            j.getString("jwks-url"),
            j.getString("jwks-file"),
            j.getDuration("jwks-cache"),
            j.getDuration("jwks-min-refetch"),
            j.getString("issuer"),
            j.getString("audience"),
            j.getDuration("clock-skew"),
            j.getString("grants-claim"));
    if (modes.contains("jwt")
        && (jwt.issuer().isEmpty()
            || jwt.audience().isEmpty()
            || (jwt.jwksUrl().isEmpty() == jwt.jwksFile().isEmpty()))) {
      throw new IllegalArgumentException(
          "JWT authentication needs annals.security.jwt.issuer, .audience, and one of .jwks-url"
              + " or .jwks-file");
    }
    return new SecuritySettings(
        modes.contains("api-keys"),
        modes.contains("jwt"),
        c.getBoolean("allow-anonymous"),
        c.getBoolean("access-log"),
        c.getInt("max-requests-per-principal"),
        c.getInt("max-subscriptions-per-principal"),
        c.getString("api-keys.file"),
        c.getDuration("api-keys.refresh-interval"),
        c.getDuration("api-keys.broadcast-timeout"),
        jwt);
  }
}
