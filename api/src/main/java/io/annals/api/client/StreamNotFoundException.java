package io.annals.api.client;

import io.annals.api.Problem;

/** The stream was never written (404 {@code /problems/stream-not-found}). */
public final class StreamNotFoundException extends AnnalsException {
  public StreamNotFoundException(Problem problem) {
    super(problem);
  }
}
