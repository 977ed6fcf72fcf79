package io.annals.node.security;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * A node's security: turns a request's {@code Authorization} header into a {@link Principal}
 * (anonymous when security is off), holds the API keys and the per-principal quotas.
 */
public final class Security {
  private final SecuritySettings settings;
  private final ApiKeys keys;
  private final JwtTokens jwt;
  private final ActorSystem<?> system;
  private final Quotas requests;
  private final Quotas subscriptions;

  private Security(SecuritySettings settings, ApiKeys keys, JwtTokens jwt, ActorSystem<?> system) {
    this.settings = settings;
    this.keys = keys;
    this.jwt = jwt;
    this.system = system;
    this.requests = new Quotas(settings.maxRequestsPerPrincipal());
    this.subscriptions = new Quotas(settings.maxSubscriptionsPerPrincipal());
  }

  /** Starts this node's security: its key reloader when API keys are on. */
  public static Security start(ActorContext<?> ctx, SecuritySettings settings) {
    ApiKeys keys = null;
    if (settings.apiKeys()) {
      keys =
          new ApiKeys(
              ctx.getSystem(), settings.keyFile().isEmpty() ? null : Path.of(settings.keyFile()));
      ctx.spawn(KeyReloads.create(keys, settings.keyRefresh()), KeyReloads.NAME);
    }
    JwtTokens jwt = settings.jwt() ? new JwtTokens(settings.jwtSettings()) : null;
    return new Security(settings, keys, jwt, ctx.getSystem());
  }

  public SecuritySettings settings() {
    return settings;
  }

  public boolean enabled() {
    return settings.enabled();
  }

  /** The API keys, when they are on. */
  public Optional<ApiKeys> keys() {
    return Optional.ofNullable(keys);
  }

  public Quotas requests() {
    return requests;
  }

  public Quotas subscriptions() {
    return subscriptions;
  }

  /**
   * The principal of a request with this {@code Authorization} header; {@link Unauthenticated} when
   * security is on and the header is missing or does not carry a valid token.
   */
  public Principal authenticate(Optional<String> authorization) {
    if (!enabled()) {
      return Principal.ANONYMOUS;
    }
    String header =
        authorization.orElseThrow(
            () ->
                new Unauthenticated(
                    "this request needs a token: send Authorization: Bearer <API key or JWT>"));
    if (header.length() < 8 || !header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      throw new Unauthenticated("the Authorization header must be Bearer <API key or JWT>");
    }
    String token = header.substring(7).trim();
    if (KeyFormat.looksLikeKey(token)) {
      if (keys == null) {
        throw new Unauthenticated("this node does not accept API keys; send a JWT");
      }
      return keys.authenticate(token);
    }
    if (jwt == null) {
      throw new Unauthenticated("this node accepts API keys only (ak_...), not this token");
    }
    return jwt.authenticate(token);
  }

  /**
   * After a key was created or revoked: every reachable node reloads its keys; completes with how
   * many nodes confirmed, of how many.
   */
  public CompletionStage<int[]> reloadEverywhere() {
    if (keys == null) {
      return CompletableFuture.completedFuture(new int[] {0, 0});
    }
    return KeyReloads.everywhere(system, settings.keyBroadcastTimeout());
  }
}
