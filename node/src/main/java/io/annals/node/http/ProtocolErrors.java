package io.annals.node.http;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * The answer to a request so malformed that Pekko HTTP refuses it before any route sees it (an
 * illegal request target, too many or too large headers, a duplicate Host or Content-Length,
 * chunked with a Content-Length, an unknown method, an HTTP version other than 1.x): the same
 * problem+json as every other error, with the status Pekko HTTP chose and its one-line summary
 * (never a host name or exception text). Configured as {@code
 * pekko.http.server.parsing.error-handler}.
 */
public final class ProtocolErrors extends ParsingErrorHandler {

  @Override
  public HttpResponse handle(
      StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    log.debug("Refused a malformed request ({}): {}", status.intValue(), info.formatPretty());
    String name =
        switch (status.intValue()) {
          case 413 -> "too-large";
          case 414 -> "uri-too-long";
          case 431 -> "headers-too-large";
          case 501 -> "method-not-implemented";
          case 505 -> "http-version-not-supported";
          default -> "bad-http-request";
        };
    String summary = info.summary().isEmpty() ? status.reason() : info.summary();
    return Problems.response(
        Problems.problem(
            status.intValue(),
            name,
            status.reason(),
            "the request was refused before it reached the API: " + summary));
  }
}
