package io.annals.api;

/**
 * One write's outcome in a multi-stream write or an append-stream: its HTTP status and either the
 * append's result (201, 200) or the problem that refused it.
 */
public record WriteResult(int status, AppendResult result, Problem problem) {
  public boolean succeeded() {
    return problem == null;
  }
}
