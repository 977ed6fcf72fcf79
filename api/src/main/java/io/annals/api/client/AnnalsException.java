package io.annals.api.client;

import io.annals.api.Problem;

/**
 * The server answered with a problem ({@code application/problem+json}); carries it: its {@link
 * #type()} (such as {@code /problems/not-yet-indexed}), {@link #status()} and {@link #detail()}.
 * Subclasses name the problems a caller usually handles.
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

  /** The problem type, a relative URI such as {@code /problems/wrong-expected-version}. */
  public String type() {
    return problem.type();
  }

  public String detail() {
    return problem.detail();
  }

  public Problem problem() {
    return problem;
  }

  static AnnalsException of(Problem p) {
    return switch (String.valueOf(p.type())) {
      case "/problems/wrong-expected-version" -> new WrongExpectedVersionException(p);
      case "/problems/stream-not-found" -> new StreamNotFoundException(p);
      case "/problems/unauthorized" -> new UnauthorizedException(p);
      case "/problems/forbidden" -> new ForbiddenException(p);
      default -> p.status() == 503 ? new UnavailableException(p) : new AnnalsException(p);
    };
  }
}
