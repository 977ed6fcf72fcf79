package io.annals.node.http;

import io.annals.api.Problem;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedQueryParamRejection;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.MissingQueryParamRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.server.UnsupportedRequestContentTypeRejection;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.pattern.AskTimeoutException;
import org.apache.pekko.pattern.CircuitBreakerOpenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only place where rejections, failures and rule violations become {@code
 * application/problem+json} responses: a stable {@code /problems/<name>} type per kind, a detail
 * naming the values involved, and {@code Retry-After} on every 503.
 */
final class Problems {
  private static final Logger log = LoggerFactory.getLogger(Problems.class);
  static final ContentType PROBLEM_JSON =
      MediaTypes.applicationWithFixedCharset(
              "problem+json", org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8)
          .toContentType();

  private Problems() {}

  static Problem problem(int status, String name, String title, String detail) {
    return new Problem("/problems/" + name, title, status, detail);
  }

  static HttpResponse response(Problem problem) {
    HttpResponse response =
        HttpResponse.create()
            .withStatus(problem.status())
            .withEntity(HttpEntities.create(PROBLEM_JSON, Json.bytes(problem)));
    return problem.status() == 503 ? response.addHeader(RetryAfter.create(1L)) : response;
  }

  static Problem badRequestProblem(BadRequest e) {
    String title =
        switch (e.problemType()) {
          case "malformed-json" -> "Malformed JSON";
          case "invalid-stream-name" -> "Invalid stream name";
          case "invalid-query-parameter" -> "Invalid query parameter";
          default -> "Invalid request";
        };
    return problem(400, e.problemType(), title, e.getMessage());
  }

  static HttpResponse unavailable(String detail) {
    return response(problem(503, "unavailable", "Service unavailable", detail));
  }

  static HttpResponse notFound(String name, String detail) {
    return response(problem(404, name, "Not found", detail));
  }

  /** Maps a failed future or thrown exception; unknown failures are 500 and logged. */
  static HttpResponse failure(Throwable t) {
    return response(problemFor(t));
  }

  static Problem problemFor(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof BadRequest bad) {
      return badRequestProblem(bad);
    }
    if (cause instanceof Unavailable u) {
      return problem(503, "unavailable", "Service unavailable", u.getMessage());
    }
    if (cause instanceof AskTimeoutException || cause instanceof TimeoutException) {
      return problem(503, "timeout", "Timed out", "the stream did not answer in time; retry later");
    }
    if (cause instanceof CircuitBreakerOpenException || isDriverFailure(cause)) {
      return problem(
          503,
          "unavailable",
          "Service unavailable",
          "the journal cannot be reached: " + cause.getMessage());
    }
    log.error("Unexpected failure answering a request", cause);
    return problem(500, "internal-error", "Internal error", String.valueOf(cause));
  }

  private static boolean isDriverFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getClass().getName().startsWith("com.datastax.oss.driver")) {
        return true;
      }
    }
    return false;
  }

  static ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder()
        .match(
            Throwable.class,
            t -> org.apache.pekko.http.javadsl.server.Directives.complete(failure(t)))
        .build();
  }

  static RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handle(MalformedRequestContentRejection.class, r -> complete(malformedContent(r)))
        .handle(
            UnsupportedRequestContentTypeRejection.class,
            r ->
                complete(
                    response(
                        problem(
                            415,
                            "unsupported-media-type",
                            "Unsupported media type",
                            "send the body as application/json"))))
        .handle(
            MalformedQueryParamRejection.class,
            r -> queryParameter(r.parameterName(), r.errorMsg()))
        .handle(
            MissingQueryParamRejection.class,
            r -> queryParameter(r.parameterName(), "it is required"))
        .handleAll(MethodRejection.class, Problems::methodNotAllowed)
        .handleNotFound(
            complete(notFound("not-found", "no resource at this path; see docs/api.md")))
        .build();
  }

  private static Route queryParameter(String name, String what) {
    return complete(
        response(
            problem(
                400,
                "invalid-query-parameter",
                "Invalid query parameter",
                "query parameter '" + name + "': " + what)));
  }

  private static Route methodNotAllowed(List<MethodRejection> rejections) {
    String allowed =
        String.join(", ", rejections.stream().map(r -> r.supported().name()).distinct().toList());
    return complete(
        response(
            problem(
                405, "method-not-allowed", "Method not allowed", "this path supports " + allowed)));
  }

  private static HttpResponse malformedContent(MalformedRequestContentRejection r) {
    if (r.getCause() instanceof EntityStreamSizeException size) {
      return tooLarge(size.limit());
    }
    return response(problem(400, "malformed-json", "Malformed request body", r.message()));
  }

  static HttpResponse tooLarge(long limit) {
    return response(
        problem(
            413,
            "body-too-large",
            "Request body too large",
            "the request body is larger than the limit of " + limit + " bytes"));
  }

  private static Route complete(HttpResponse response) {
    return org.apache.pekko.http.javadsl.server.Directives.complete(response);
  }
}
