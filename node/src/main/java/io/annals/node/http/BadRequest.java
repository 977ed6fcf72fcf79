package io.annals.node.http;

/**
 * Thrown while parsing a request when its input is wrong; {@link Problems} answers it as a 400
 * problem whose detail names the member and what is wrong with it. Nothing has been changed then.
 */
final class BadRequest extends RuntimeException {
  private final String problemType;
  private final int status;

  BadRequest(String problemType, String detail) {
    this(problemType, detail, 400);
  }

  private BadRequest(String problemType, String detail, int status) {
    super(detail, null, false, false);
    this.problemType = problemType;
    this.status = status;
  }

  static BadRequest invalid(String detail) {
    return new BadRequest("invalid-request", detail);
  }

  /** Over a configured limit (413): {@code problemType} names which. */
  static BadRequest overLimit(String problemType, String detail) {
    return new BadRequest(problemType, detail, 413);
  }

  String problemType() {
    return problemType;
  }

  int status() {
    return status;
  }
}
