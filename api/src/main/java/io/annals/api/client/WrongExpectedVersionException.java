package io.annals.api.client;

import io.annals.api.Problem;

/** The stream was not at the expected version (409 {@code /problems/wrong-expected-version}). */
public final class WrongExpectedVersionException extends AnnalsException {
  public WrongExpectedVersionException(Problem problem) {
    super(problem);
  }

  /** The expected version as sent: a number, "any" or "exists". */
  public Object expectedVersion() {
    return problem().extensions().get("expectedVersion");
  }

  public long actualVersion() {
    return ((Number) problem().extensions().get("actualVersion")).longValue();
  }
}
