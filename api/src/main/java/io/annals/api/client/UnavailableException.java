package io.annals.api.client;

import io.annals.api.Problem;

/**
 * The node could not answer now (503: journal unreachable, timeout, {@code not-yet-indexed}); the
 * client already retried idempotent requests {@link AnnalsClient.Builder#retries(int)} times.
 */
public final class UnavailableException extends AnnalsException {
  public UnavailableException(Problem problem) {
    super(problem);
  }
}
