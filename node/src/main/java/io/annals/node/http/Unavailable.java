package io.annals.node.http;

/** Thrown while answering when a stream or log cannot answer now; {@link Problems} makes it 503. */
final class Unavailable extends RuntimeException {
  Unavailable(String detail) {
    super(detail, null, false, false);
  }
}
