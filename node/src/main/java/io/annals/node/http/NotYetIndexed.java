package io.annals.node.http;

/**
 * Thrown while answering when a log has not indexed an append named by a position within the
 * request's timeout; {@link Problems} makes it 503 {@code /problems/not-yet-indexed}.
 */
final class NotYetIndexed extends RuntimeException {
  final String position;

  NotYetIndexed(String position) {
    super(position, null, false, false);
    this.position = position;
  }
}
