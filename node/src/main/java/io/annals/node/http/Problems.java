package io.annals.node.http;

import io.annals.api.ExpectedVersion;
import io.annals.api.Problem;
import io.annals.node.stream.StreamEntity;
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
    return switch (problem.status()) {
      case 503 -> response.addHeader(RetryAfter.create(1L));
      case 429 -> response.addHeader(RetryAfter.create(TOO_MANY_RETRY_AFTER_SECONDS));
      default -> response;
    };
  }

  /** Seconds a client is told to wait after a 429: long enough for subscribers to come and go. */
  static final long TOO_MANY_RETRY_AFTER_SECONDS = 5;

  static HttpResponse tooManySubscriptions(int max) {
    return response(
        problem(
            429,
            "too-many-subscriptions",
            "Too many subscriptions",
            "this node has its limit of "
                + max
                + " subscriptions open (annals.subscriptions.max-open); retry later or on another"
                + " node"));
  }

  static Problem badRequestProblem(BadRequest e) {
    String title =
        switch (e.problemType()) {
          case "malformed-json" -> "Malformed JSON";
          case "invalid-stream-name" -> "Invalid stream name";
          case "invalid-query-parameter" -> "Invalid query parameter";
          case "too-many-events" -> "Too many events";
          case "too-many-writes" -> "Too many writes";
          case "event-too-large" -> "Event too large";
          default -> "Invalid request";
        };
    return problem(e.status(), e.problemType(), title, e.getMessage());
  }

  static HttpResponse unavailable(String detail) {
    return response(problem(503, "unavailable", "Service unavailable", detail));
  }

  // ---- the answers of a stream ------------------------------------------------------------

  static HttpResponse notFound(String name, String detail) {
    return response(problem(404, name, "Not found", detail));
  }

  /** Version {@code version} of {@code stream} does not exist ({@code current} -1: unknown). */
  static HttpResponse eventNotFound(String stream, long version, long current) {
    return notFound(
        "event-not-found",
        "stream "
            + stream
            + " has no version "
            + version
            + (current < 0 ? "" : "; it is at " + current));
  }

  static HttpResponse streamNotFound(String stream) {
    return response(
        problem(
            404,
            "stream-not-found",
            "Not found",
            "stream " + stream + " does not exist (it has no events)"));
  }

  static HttpResponse unavailable(String stream, StreamEntity.Unavailable u) {
    return response(unavailableProblem(stream, u));
  }

  static Problem unavailableProblem(String stream, StreamEntity.Unavailable u) {
    String detail =
        switch (u.cause()) {
          case JOURNAL_STARTING -> "the journal of stream " + stream + " is unavailable";
          case QUEUE_FULL ->
              "stream " + stream + " has " + u.queued() + " appends queued; retry later";
          case WRITE_FAILED -> "the journal write of stream " + stream + " failed; retry later";
          case NO_MAJORITY ->
              "this node sees only "
                  + u.seen()
                  + " of "
                  + u.members()
                  + " cluster members; it does not write until it sees a majority";
        };
    return problem(503, "unavailable", "Service unavailable", detail);
  }

  static Problem wrongExpectedVersion(String stream, ExpectedVersion expected, long actual) {
    return problem(
            409,
            "wrong-expected-version",
            "Wrong expected version",
            "expected version " + expected + ", stream " + stream + " is at " + actual)
        .with(
            "expectedVersion",
            expected instanceof ExpectedVersion.Exact exact
                ? (Object) exact.version()
                : expected.toString())
        .with("actualVersion", actual);
  }

  static Problem idempotencyConflict(String stream, StreamEntity.IdempotencyConflict c) {
    String detail =
        switch (c.conflict()) {
          case OTHER_CONTENT ->
              "event id "
                  + c.eventId()
                  + " was appended before as version "
                  + c.version()
                  + " with other content";
          case SEVERAL_APPENDS ->
              "the event ids belong to different earlier appends (transactions "
                  + c.transaction()
                  + " and "
                  + c.otherTransaction()
                  + ")";
          case PARTIAL_REPEAT ->
              "the event ids partly match the earlier append of transaction "
                  + c.transaction()
                  + (c.eventId() == null
                      ? ""
                      : " (event id " + c.eventId() + " is new or out of order)")
                  + "; a retry must repeat that append exactly";
        };
    return problem(
        409, "idempotency-conflict", "Idempotency conflict", "stream " + stream + ": " + detail);
  }

  static Problem transactionNotFound(String stream, long transaction, long latest) {
    return problem(
            404,
            "transaction-not-found",
            "Transaction not found",
            "stream " + stream + " has no transaction " + transaction + "; its latest is " + latest)
        .with("transaction", transaction);
  }

  static Problem notInvalidatable(String stream, long transaction, boolean isInvalidation) {
    return problem(
            409,
            "not-invalidatable",
            "Transaction cannot be invalidated",
            "stream "
                + stream
                + ": transaction "
                + transaction
                + (isInvalidation ? " is itself an invalidation" : " is already invalidated"))
        .with("transaction", transaction);
  }

  static Problem tooManyKeys(String stream, int limit) {
    return problem(
        422,
        "too-many-keys",
        "Too many keys",
        "stream " + stream + " may have at most " + limit + " keys (annals.stream.max-keys)");
  }

  // ---- the answers of the logs and of the HTTP layer -----------------------------------------

  static HttpResponse notYetIndexed(String waitFor) {
    return response(problemNotYetIndexed(waitFor));
  }

  private static Problem problemNotYetIndexed(String position) {
    return problem(
        503,
        "not-yet-indexed",
        "Not yet indexed",
        "the log has not reached position "
            + Names.abbreviate(position)
            + " within the timeout; retry later");
  }

  static HttpResponse unsupportedMediaType(Object media) {
    return unsupportedMediaType(media, "application/json");
  }

  static HttpResponse unsupportedMediaType(Object media, String expected) {
    return response(
        problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as " + expected + ", not " + media));
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
    if (cause instanceof Forbidden f) {
      return problem(403, "forbidden", "Forbidden", f.getMessage());
    }
    if (cause instanceof NotYetIndexed n) {
      return problemNotYetIndexed(n.position);
    }
    if (cause instanceof Unavailable u) {
      return problem(503, "unavailable", "Service unavailable", u.getMessage());
    }
    if (cause instanceof io.annals.node.journal.JournalBusy busy) {
      return problem(503, "unavailable", "Service unavailable", busy.getMessage());
    }
    if (cause instanceof io.annals.node.journal.Cancel.Cancelled) {
      // the client has gone: nobody reads this answer
      return problem(503, "unavailable", "Service unavailable", "the read was cancelled");
    }
    if (cause instanceof AskTimeoutException || cause instanceof TimeoutException) {
      return problem(503, "timeout", "Timed out", "the stream did not answer in time; retry later");
    }
    // answers never carry exception text: it names hosts, ports and internals (it is logged)
    String incident = java.util.UUID.randomUUID().toString().substring(0, 8);
    if (cause instanceof CircuitBreakerOpenException || isDriverFailure(cause)) {
      log.warn("Journal unreachable answering a request (incident {}): {}", incident, cause);
      return problem(
          503,
          "unavailable",
          "Service unavailable",
          "the journal cannot be reached; retry later (incident " + incident + " in the log)");
    }
    log.error("Unexpected failure answering a request (incident {})", incident, cause);
    return problem(
        500,
        "internal-error",
        "Internal error",
        "an unexpected error; the node logged it as incident " + incident);
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
