package io.annals.node.http;

/**
 * The request's principal lacks a grant the request needs: answered 403 by {@link Problems}, with a
 * detail naming the grant that is missing and the grants the principal has. Thrown before any
 * entity is asked, so nothing has changed.
 */
final class Forbidden extends RuntimeException {
  Forbidden(String detail) {
    super(detail, null, false, false);
  }
}
