package io.annals.api.client;

import io.annals.api.Problem;

/** No valid bearer token was sent (401 {@code /problems/unauthorized}). */
public final class UnauthorizedException extends AnnalsException {
  public UnauthorizedException(Problem problem) {
    super(problem);
  }
}
