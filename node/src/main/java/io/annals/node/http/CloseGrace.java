package io.annals.node.http;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The first step of a graceful stop ({@code annals.http.close-grace}): for a short while after
 * SIGTERM and before the server unbinds, requests are still served, {@code /ready} answers 503 and
 * every response says {@code Connection: close}. Clients leave each keep-alive connection after an
 * answer instead of the server closing it while a request the client just wrote is still unread.
 */
final class CloseGrace extends AllDirectives {
  private volatile boolean stopping;

  /** Starts the grace in CoordinatedShutdown's phase before the HTTP binding is unbound. */
  static CloseGrace register(ActorSystem<?> system, Duration grace) {
    CloseGrace closeGrace = new CloseGrace();
    CoordinatedShutdown.get(Adapter.toClassic(system))
        .addTask(
            CoordinatedShutdown.PhaseBeforeServiceUnbind(),
            "annals-http-close-grace",
            () -> {
              closeGrace.stopping = true;
              return CompletableFuture.supplyAsync(
                  Done::getInstance,
                  CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS));
            });
    return closeGrace;
  }

  boolean stopping() {
    return stopping;
  }

  /** {@code inner}, its responses marked {@code Connection: close} once the node is stopping. */
  Route closingConnections(Supplier<Route> inner) {
    return mapResponse(
        response -> stopping ? response.addHeader(Connection.create("close")) : response, inner);
  }
}
