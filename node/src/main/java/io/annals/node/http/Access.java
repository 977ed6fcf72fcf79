package io.annals.node.http;

import io.annals.node.security.Action;
import io.annals.node.security.Grant;
import io.annals.node.security.Principal;
import io.annals.node.security.Security;
import io.annals.node.security.Unauthenticated;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is asking, and may they: authenticates every request but the public ones ({@code /alive},
 * {@code /ready}, {@code /openapi.json}, the static files of {@code /console}) before any route
 * sees it (401 with {@code WWW-Authenticate}), caps the requests each principal has in progress
 * (429), writes the access log line, and gives routes the principal and the checks of its grants
 * (403, {@link Forbidden}).
 */
final class Access extends AllDirectives {
  private static final Logger accessLog = LoggerFactory.getLogger("annals.access");
  private static final AttributeKey<Principal> PRINCIPAL =
      AttributeKey.create("annals-principal", Principal.class);
  private static final Set<String> PUBLIC = Set.of("/alive", "/ready", "/openapi.json", "/console");
  private static final ByteString EXPIRED =
      ByteString.fromString(
          ": the token expired; reconnect with a fresh one and Last-Event-ID\n\n");

  private final Security security;

  Access(Security security) {
    this.security = security;
  }

  Security security() {
    return security;
  }

  /** {@code inner}, for authenticated requests within their principal's cap, logged. */
  Route around(Supplier<Route> inner) {
    boolean log = security.settings().accessLog();
    return extractRequest(
        request -> {
          long started = System.nanoTime();
          String path = request.getUri().path();
          if (PUBLIC.contains(path) || path.startsWith("/console/")) {
            return logged(log, request, "-", started, inner);
          }
          Principal principal;
          try {
            principal =
                security.authenticate(request.getHeader("Authorization").map(h -> h.value()));
          } catch (Unauthenticated e) {
            boolean given = request.getHeader("Authorization").isPresent();
            return logged(
                log, request, "-", started, () -> complete(unauthorized(e.getMessage(), given)));
          }
          String name = principal.name();
          if (!principal.isAnonymous() && !security.requests().tryTake(name)) {
            return logged(
                log, request, name, started, () -> complete(tooMany(name, "requests in progress")));
          }
          Route withPrincipal = mapRequest(r -> r.addAttribute(PRINCIPAL, principal), inner);
          return mapResponse(
              response -> {
                if (!principal.isAnonymous()) {
                  security.requests().release(name);
                }
                return response;
              },
              () -> logged(log, request, name, started, () -> withPrincipal));
        });
  }

  private Route logged(
      boolean log, HttpRequest request, String who, long started, Supplier<Route> inner) {
    if (!log) {
      return inner.get();
    }
    return mapResponse(
        response -> {
          accessLog.info(
              "{} {} {} {} {}ms",
              who,
              request.method().value(),
              request.getUri().path()
                  + request.getUri().rawQueryString().map(q -> "?" + q).orElse(""),
              response.status().intValue(),
              (System.nanoTime() - started) / 1_000_000);
          return response;
        },
        inner);
  }

  /** The request's principal (anonymous when security is off). */
  Route principal(Function<Principal, Route> inner) {
    return extractRequest(r -> inner.apply(r.getAttribute(PRINCIPAL).orElse(Principal.ANONYMOUS)));
  }

  /** {@code inner} if the principal may do {@code action} to {@code stream}; else 403. */
  Route onStream(Action action, String stream, Function<Principal, Route> inner) {
    return principal(
        p -> {
          requireStream(p, action, stream);
          return inner.apply(p);
        });
  }

  /** {@code inner} if the principal may do {@code action} to all of {@code category}. */
  Route onCategory(Action action, String category, Supplier<Route> inner) {
    return principal(
        p -> {
          if (!p.mayOnCategory(action, category)) {
            throw forbidden(
                p,
                action,
                "category '" + Names.abbreviate(category) + "' and its log",
                Grant.CATEGORY + category + ", a prefix of '" + category + "', or $all");
          }
          return inner.get();
        });
  }

  /** {@code inner} if the principal may do {@code action} on {@code target} ($all, $metrics). */
  Route on(Action action, String target, Supplier<Route> inner) {
    return principal(
        p -> {
          if (!p.mayOn(action, target)) {
            throw forbidden(p, action, target, target);
          }
          return inner.get();
        });
  }

  static void requireStream(Principal p, Action action, String stream) {
    if (!p.mayOnStream(action, stream)) {
      throw forbidden(
          p,
          action,
          "stream '" + Names.abbreviate(stream) + "'",
          "a prefix of '"
              + Names.abbreviate(stream)
              + "', "
              + Grant.CATEGORY
              + Grant.category(stream)
              + ", or $all");
    }
  }

  private static Forbidden forbidden(Principal p, Action action, String what, String covering) {
    return new Forbidden(
        p.name()
            + " may not "
            + action.wire()
            + " "
            + what
            + ": that needs the grant "
            + action.wire()
            + " (or admin) on "
            + covering
            + "; it has "
            + p.describeGrants());
  }

  /**
   * A subscription's response, counted against its principal's open subscriptions (429 beyond the
   * cap) and ended when its token expires, so the client reconnects with a fresh token and resumes
   * from {@code Last-Event-ID}.
   */
  Route subscription(Supplier<HttpResponse> response) {
    return subscription(response, () -> {});
  }

  /** As {@link #subscription(Supplier)}; {@code refused} runs when the principal's cap refuses. */
  Route subscription(Supplier<HttpResponse> response, Runnable refused) {
    return principal(
        p -> {
          if (p.isAnonymous()) {
            return complete(response.get());
          }
          if (!security.subscriptions().tryTake(p.name())) {
            refused.run();
            return complete(tooMany(p.name(), "open subscriptions"));
          }
          HttpResponse r;
          try {
            r = response.get();
          } catch (RuntimeException e) {
            security.subscriptions().release(p.name());
            throw e;
          }
          Source<ByteString, ?> bytes = r.entity().getDataBytes();
          if (p.expires() != null) {
            Duration left = Duration.between(Instant.now(), p.expires());
            bytes =
                bytes
                    .takeWithin(left.isNegative() ? Duration.ZERO : left)
                    .concat(Source.single(EXPIRED));
          }
          Source<ByteString, NotUsed> counted =
              bytes.watchTermination(
                  (m, done) -> {
                    done.whenComplete((d, f) -> security.subscriptions().release(p.name()));
                    return NotUsed.getInstance();
                  });
          return complete(r.withEntity(HttpEntities.create(r.entity().getContentType(), counted)));
        });
  }

  /** 401; RFC 6750: a challenge without an error code when no credentials came. */
  private static HttpResponse unauthorized(String detail, boolean tokenGiven) {
    String challenge =
        tokenGiven
            ? "Bearer realm=\"annals\", error=\"invalid_token\", error_description=\""
                + detail.replace('"', '\'')
                + "\""
            : "Bearer realm=\"annals\"";
    return Problems.response(Problems.problem(401, "unauthorized", "Unauthorized", detail))
        .addHeader(RawHeader.create("WWW-Authenticate", challenge));
  }

  private HttpResponse tooMany(String who, String what) {
    int max = what.startsWith("open") ? security.subscriptions().max() : security.requests().max();
    return Problems.response(
            Problems.problem(
                429,
                "too-many-open",
                "Too many open",
                who
                    + " has "
                    + max
                    + " "
                    + what
                    + " on this node, the most one principal may have"
                    + " (annals.security.max-"
                    + (what.startsWith("open") ? "subscriptions" : "requests")
                    + "-per-principal); close some or retry later"))
        .addHeader(RetryAfter.create(1L));
  }
}
