package io.annals.node.security;

/**
 * A request's bearer token is missing, malformed, unknown, revoked, expired or not for us: answered
 * 401 with {@code WWW-Authenticate}. The message says which, without echoing the token.
 */
public final class Unauthenticated extends RuntimeException {
  public Unauthenticated(String reason) {
    super(reason, null, false, false);
  }
}
