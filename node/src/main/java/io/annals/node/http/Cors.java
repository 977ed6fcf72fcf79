package io.annals.node.http;

import java.util.List;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Cross-origin requests from web pages ({@code annals.http.cors.allowed-origins}). It sits outside
 * {@link Access}: a preflight {@code OPTIONS} carries no token, and is answered here (204) when its
 * {@code Origin} is allowed; every other request from an allowed origin goes on to the API and its
 * answer, errors included, gets {@code Access-Control-Allow-Origin} and the headers a client reads.
 * A request from another origin (or without one) passes through untouched, so a browser refuses the
 * page the answer.
 */
final class Cors extends AllDirectives {
  static final String ALLOWED_HEADERS =
      "Authorization, Content-Type, If-Match, If-None-Match, Last-Event-ID";
  static final String EXPOSED_HEADERS =
      "ETag, Location, Retry-After, Last-Event-ID, WWW-Authenticate";
  static final String METHODS = "GET, POST, PUT, DELETE, OPTIONS";

  /** A browser may reuse a preflight answer for this many seconds. */
  private static final String MAX_AGE = "600";

  private final List<String> allowedOrigins;

  Cors(List<String> allowedOrigins) {
    this.allowedOrigins = allowedOrigins;
  }

  Route around(Supplier<Route> inner) {
    if (allowedOrigins.isEmpty()) {
      return inner.get();
    }
    return optionalHeaderValueByName(
        "Origin",
        origin ->
            origin.isPresent() && allows(origin.get())
                ? concat(
                    options(
                        () ->
                            headerValueByName(
                                "Access-Control-Request-Method",
                                method -> complete(preflight(origin.get())))),
                    respondWithHeaders(
                        List.of(
                            RawHeader.create("Access-Control-Allow-Origin", origin.get()),
                            RawHeader.create("Access-Control-Expose-Headers", EXPOSED_HEADERS),
                            RawHeader.create("Vary", "Origin")),
                        inner))
                : inner.get());
  }

  private boolean allows(String origin) {
    return allowedOrigins.contains("*") || allowedOrigins.contains(origin);
  }

  private static HttpResponse preflight(String origin) {
    return HttpResponse.create()
        .withStatus(StatusCodes.NO_CONTENT)
        .addHeader(RawHeader.create("Access-Control-Allow-Origin", origin))
        .addHeader(RawHeader.create("Access-Control-Allow-Methods", METHODS))
        .addHeader(RawHeader.create("Access-Control-Allow-Headers", ALLOWED_HEADERS))
        .addHeader(RawHeader.create("Access-Control-Max-Age", MAX_AGE))
        .addHeader(RawHeader.create("Vary", "Origin"));
  }
}
