package io.annals.node.http;

import io.annals.node.journal.Cancel;
import io.annals.node.metrics.Metrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
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
 * signal that completes when its connection ends, so a read whose client has gone ({@link Cancel})
 * stops instead of reading on for nobody.
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
              return Flow.of(HttpRequest.class)
                  .initialTimeout(firstRequestTimeout)
                  .recoverWithRetries(1, TimeoutException.class, Source::empty)
                  .map(request -> request.addAttribute(GONE, gone))
                  .via(routes)
                  // the server cancels the responses when the connection closes (the client
                  // left); no request of this connection is waited for after that
                  .via(new OnCancel<>(() -> gone.complete(Done.getInstance())));
            })
        .mapMaterializedValue(done -> NotUsed.getInstance());
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
