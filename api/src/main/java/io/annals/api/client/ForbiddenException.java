package io.annals.api.client;

import io.annals.api.Problem;

/** The token lacks the grant the request needs (403 {@code /problems/forbidden}). */
public final class ForbiddenException extends AnnalsException {
  public ForbiddenException(Problem problem) {
    super(problem);
  }
}
