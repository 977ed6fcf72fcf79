package io.annals.api.client;

import io.annals.api.Problem;

/**
 * The server answered with a problem ({@code application/problem+json}); carries it and the status.
 */
public class AnnalsException extends RuntimeException {
  private final transient Problem problem;

  public AnnalsException(Problem problem) {
    super(problem.toString());
    this.problem = problem;
  }

  public int status() {
    return problem.status();
  }

  public Problem problem() {
    return problem;
  }
}
