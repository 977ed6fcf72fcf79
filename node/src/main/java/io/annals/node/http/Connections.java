package io.annals.node.http;

import io.annals.node.journal.Cancel;
import io.annals.node.metrics.Metrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;

/**
 * What the server keeps per client connection, around the routes: a connection must deliver its
 * first request within {@code annals.http.first-request-timeout} (a client sending its headers a
 * byte at a time is closed instead of holding a connection for ever), and every request carries a
 * signal that completes when its client has gone (it closed the connection while a request it did
 * not mark as its last was being answered, or the connection broke), so a read for it ({@link
 * Cancel}) stops instead of reading on for nobody. A client that only shuts its sending side after
 * a request without {@code Connection: close} counts as gone.
 */
final class Connections {
  @SuppressWarnings("rawtypes")
  private static final AttributeKey<CompletableFuture> GONE =
      AttributeKey.create("annals-connection-gone", CompletableFuture.class);

  private Connections() {}

  /** The handler of one connection: {@code routes} with the two guards above. */
  static Flow<HttpRequest, HttpResponse, NotUsed> handler(
      Flow<HttpRequest, HttpResponse, NotUsed> routes, Duration firstRequestTimeout) {
    return Flow.<HttpRequest, HttpResponse, NotUsed>fromMaterializer(
            (materializer, attributes) -> {
              CompletableFuture<Done> gone = new CompletableFuture<>();
              AtomicBoolean lastAskedToClose = new AtomicBoolean();
              return Flow.of(HttpRequest.class)
                  .watchTermination(
                      (notUsed, done) -> {
                        // the requests end when the client closes the connection, or after a
                        // request that said it is the last (Connection: close), whose answer the
                        // client still waits for; the server does not cancel the answer in flight
                        // when the client closes, so this is the early sign that it has gone
                        done.whenComplete(
                            (d, failure) -> {
                              if (!lastAskedToClose.get()) {
                                gone.complete(Done.getInstance());
                              }
                            });
                        return notUsed;
                      })
                  .initialTimeout(firstRequestTimeout)
                  .recoverWithRetries(1, TimeoutException.class, Source::empty)
                  .map(
                      request -> {
                        lastAskedToClose.set(isLast(request));
                        return request.addAttribute(GONE, gone);
                      })
                  .via(routes)
                  // the server cancels the answers when the connection breaks
                  .via(new OnCancel<>(() -> gone.complete(Done.getInstance())));
            })
        .mapMaterializedValue(done -> NotUsed.getInstance());
  }

  /** Whether {@code request} says the client sends no more on this connection. */
  private static boolean isLast(HttpRequest request) {
    boolean close =
        request
            .getHeader("Connection")
            .map(h -> h.value().toLowerCase(java.util.Locale.ROOT).contains("close"))
            .orElse(false);
    boolean keepAlive =
        request
            .getHeader("Connection")
            .map(h -> h.value().toLowerCase(java.util.Locale.ROOT).contains("keep-alive"))
            .orElse(false);
    return close || (request.protocol().value().equals("HTTP/1.0") && !keepAlive);
  }

  /** {@code inner} with the {@link Cancel} of this request: cancelled once its client has gone. */
  static Route withCancel(Function<Cancel, Route> inner) {
    return Directives.extractRequest(request -> inner.apply(cancelOf(request)));
  }

  /** The signal of {@code request}'s connection ending (never, outside {@link #handler}). */
  static CompletableFuture<?> goneOf(HttpRequest request) {
    CompletableFuture<?> gone = request.getAttribute(GONE).orElse(null);
    return gone != null ? gone : NEVER;
  }

  static Cancel cancelOf(HttpRequest request) {
    CompletableFuture<?> gone = goneOf(request);
    return gone == NEVER ? Cancel.NEVER : gone::isDone;
  }

  private static final CompletableFuture<Void> NEVER = new CompletableFuture<>();

  /**
   * {@code read}, counted in {@code annals.reads.in.flight} while it runs and in {@code
   * annals.reads.cancelled} when it stopped because its client had gone.
   */
  static <T> CompletionStage<T> tracked(CompletionStage<T> read, Metrics metrics) {
    metrics.readsInFlight.increment();
    return read.whenComplete(
        (done, failure) -> {
          metrics.readsInFlight.decrement();
          Throwable cause =
              failure instanceof java.util.concurrent.CompletionException
                  ? failure.getCause()
                  : failure;
          if (cause instanceof Cancel.Cancelled) {
            metrics.readsCancelled.increment();
          }
        });
  }
}
