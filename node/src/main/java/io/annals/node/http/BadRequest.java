package io.annals.node.http;

/**
 * Thrown while parsing a request when its input is wrong; {@link Problems} answers it as a 400
 * problem whose detail names the member and what is wrong with it. Nothing has been changed then.
 */
final class BadRequest extends RuntimeException {
  private final String problemType;

  BadRequest(String problemType, String detail) {
    super(detail, null, false, false);
    this.problemType = problemType;
  }

  static BadRequest invalid(String detail) {
    return new BadRequest("invalid-request", detail);
  }

  String problemType() {
    return problemType;
  }
}
