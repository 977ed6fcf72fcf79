package io.annals.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.annals.node.AnnalsSettings;
import io.annals.node.cluster.RetryingAsk;
import io.annals.node.journal.Cancel;
import io.annals.node.journal.StoredEvent;
import io.annals.node.log.Cursor;
import io.annals.node.log.LogEntity;
import io.annals.node.log.LogEvent;
import io.annals.node.log.LogId;
import io.annals.node.log.LogPages;
import io.annals.node.log.Position;
import io.annals.node.metrics.Metrics;
import io.annals.node.security.Action;
import io.annals.node.security.Grant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;

/**
 * The read side across streams: {@code GET /all} and {@code GET /categories/{c}} (pages, with
 * {@code waitFor} for reading one's own writes) and {@code GET /streams} (stream names). Arguments
 * are checked by {@link LogArguments}; the reading is {@link LogPages}'. The subscriptions are
 * {@link SubscriptionRoutes}.
 */
final class LogRoutes extends AllDirectives {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s)");
  private static final Set<String> PAGE =
      Set.of("after", "limit", "waitFor", "timeout", "excludeInvalidated");

  private final ClusterSharding sharding;
  private final LogPages logs;
  private final AnnalsSettings settings;
  private final Invalidations invalidations;
  private final LogArguments arguments;
  private final Access access;
  private final Metrics metrics;
  private final CloudEventResponses cloudEvents = new CloudEventResponses();

  LogRoutes(
      ActorSystem<?> system,
      LogPages logs,
      AnnalsSettings settings,
      Invalidations invalidations,
      Access access) {
    this.access = access;
    this.sharding = ClusterSharding.get(system);
    this.logs = logs;
    this.settings = settings;
    this.invalidations = invalidations;
    this.arguments = new LogArguments(logs);
    this.metrics = Metrics.get(system);
  }

  Route route() {
    // get() inside each path: a get() around them all would, on every GET, cancel the 405 of the
    // other route classes' paths (a GET to a POST-only path would be a 404)
    return concat(
        path(
            "all",
            () ->
                get(
                    () ->
                        access.on(
                            Action.READ,
                            Grant.ALL,
                            () ->
                                cloudEvents.answering(
                                    () ->
                                        parameterMap(
                                            q ->
                                                Connections.withCancel(
                                                    cancel ->
                                                        allPage(Params.of(q, PAGE), cancel))))))),
        path(
            segment("categories").slash(segment()),
            category ->
                get(
                    () ->
                        access.onCategory(
                            Action.READ,
                            category,
                            () ->
                                cloudEvents.answering(
                                    () ->
                                        parameterMap(
                                            q ->
                                                Connections.withCancel(
                                                    cancel ->
                                                        categoryPage(
                                                            category,
                                                            Params.of(q, PAGE),
                                                            cancel))))))),
        pathPrefix(
            "streams",
            () ->
                pathEndOrSingleSlash(
                    () ->
                        get(
                            () ->
                                access.on(
                                    Action.READ,
                                    Grant.ALL,
                                    () ->
                                        parameterMap(
                                            q ->
                                                streamNames(
                                                    Params.of(q, Set.of("after", "limit")))))))));
  }

  // ---- pages ----------------------------------------------------------------------------------

  private Route allPage(Params params, Cancel cancel) {
    Duration timeout = timeout(params.get("timeout"));
    CompletionStage<Position.All> after =
        arguments.allPosition(params.get("after"), "after", timeout, cancel);
    int limit = params.limit(settings.defaultReadLimit(), settings.maxReadLimit());
    CompletionStage<HttpResponse> page =
        waitFor(params, null, timeout, cancel)
            .thenCompose(
                reached ->
                    !reached
                        ? CompletableFuture.completedFuture(
                            Problems.notYetIndexed(params.get("waitFor")))
                        : after.thenCompose(
                            from ->
                                logs.allPage(from, limit, settings.maxPageBytes(), cancel)
                                    .thenCompose(
                                        read ->
                                            valid(params, read, Pair::second)
                                                .thenApply(
                                                    shown ->
                                                        page(shown, next(read, from.encode()))))));
    return onSuccess(Connections.tracked(page, metrics), this::complete);
  }

  private Route categoryPage(String category, Params params, Cancel cancel) {
    Names.validCategory(category);
    Duration timeout = timeout(params.get("timeout"));
    CompletionStage<Cursor> after =
        arguments.categoryCursor(category, params.get("after"), "after", timeout, cancel);
    int limit = params.limit(settings.defaultReadLimit(), settings.maxReadLimit());
    CompletionStage<HttpResponse> page =
        waitFor(params, category, timeout, cancel)
            .thenCompose(
                reached -> {
                  if (!reached) {
                    return CompletableFuture.completedFuture(
                        Problems.notYetIndexed(params.get("waitFor")));
                  }
                  return after.thenCompose(
                      from ->
                          logs.category(category, from, limit, settings.maxPageBytes(), cancel)
                              .thenCompose(
                                  read ->
                                      valid(params, read, LogEvent::event)
                                          .thenApply(shown -> categoryPage(read, shown, from))));
                });
    return onSuccess(Connections.tracked(page, metrics), this::complete);
  }

  /** The valid events of a category page; {@code next} is after the last one read. */
  private static HttpResponse categoryPage(List<LogEvent> read, List<LogEvent> valid, Cursor from) {
    List<Pair<String, StoredEvent>> shown = new ArrayList<>(valid.size());
    for (LogEvent e : valid) {
      shown.add(Pair.create(new Position.Category(e.after()).encode(), e.event()));
    }
    Cursor next = read.isEmpty() ? from : read.get(read.size() - 1).after();
    return pageOf(shown, new Position.Category(next).encode());
  }

  private static HttpResponse page(List<Pair<Position.All, StoredEvent>> events, String next) {
    List<Pair<String, StoredEvent>> shown = new ArrayList<>(events.size());
    events.forEach(e -> shown.add(Pair.create(e.first().encode(), e.second())));
    return pageOf(shown, next);
  }

  /** The position after the last event read (before any filter), or {@code start} if none. */
  private static <P> String next(List<Pair<P, StoredEvent>> read, String start) {
    if (read.isEmpty()) {
      return start;
    }
    P last = read.get(read.size() - 1).first();
    return last instanceof Position p ? p.encode() : (String) last;
  }

  /** {@code excludeInvalidated=true}: only the items whose events are valid. */
  private <T> CompletionStage<List<T>> valid(
      Params params, List<T> items, java.util.function.Function<T, StoredEvent> event) {
    return params.excludeInvalidated()
        ? invalidations.valid(items, event)
        : CompletableFuture.completedFuture(items);
  }

  /** {"events": [...], "next": position}. */
  private static HttpResponse pageOf(List<Pair<String, StoredEvent>> events, String next) {
    return JsonResponses.written(
        g -> {
          g.writeStartObject();
          g.writeArrayFieldStart("events");
          for (Pair<String, StoredEvent> e : events) {
            EventJson.write(g, e.second(), e.first());
          }
          g.writeEndArray();
          g.writeStringField("next", next);
          g.writeEndObject();
        });
  }

  /** {@code GET /streams?after=&limit=}: stream names in name order, from every partition. */
  private Route streamNames(Params params) {
    String after = params.get("after");
    if (after != null) {
      Names.validStreamName(after);
    }
    int limit = params.limit(settings.defaultReadLimit(), settings.maxReadLimit());
    List<CompletableFuture<LogEntity.StreamNames>> asks = new ArrayList<>();
    for (int p = 0; p < logs.partitions(); p++) {
      asks.add(
          RetryingAsk.<LogEntity.Command, LogEntity.StreamNames>ask(
                  sharding.entityRefFor(LogEntity.TYPE_KEY, LogId.partition(p)),
                  r -> new LogEntity.ListStreams(after, limit, r),
                  settings.askAttempt(),
                  settings.askTimeout())
              .toCompletableFuture());
    }
    CompletionStage<HttpResponse> answer =
        CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
            .thenApply(
                done -> {
                  TreeSet<String> names = new TreeSet<>();
                  boolean more = false;
                  for (CompletableFuture<LogEntity.StreamNames> a : asks) {
                    names.addAll(a.join().names());
                    more |= a.join().more();
                  }
                  List<String> shown = names.stream().limit(limit).toList();
                  boolean hasNext = more || names.size() > limit;
                  return JsonResponses.written(
                      g -> {
                        g.writeStartObject();
                        g.writeArrayFieldStart("streams");
                        for (String n : shown) {
                          g.writeString(n);
                        }
                        g.writeEndArray();
                        g.writeStringField(
                            "next",
                            hasNext && !shown.isEmpty() ? shown.get(shown.size() - 1) : null);
                        g.writeEndObject();
                      });
                });
    return onSuccess(answer, this::complete);
  }

  // ---- read your writes -----------------------------------------------------------------------

  /**
   * Completes true once the log read (the global log when {@code category} is null) holds the
   * position in {@code waitFor}, false when {@code timeout} passed first. Positions of the log
   * itself were handed out by reads of it, so they are reached already.
   */
  private CompletionStage<Boolean> waitFor(
      Params params, String category, Duration timeout, Cancel cancel) {
    String text = params.get("waitFor");
    if (text == null) {
      return CompletableFuture.completedFuture(true);
    }
    Position position = LogArguments.decode(text, "waitFor");
    if (position instanceof Position.Append append) {
      String log;
      if (category == null) {
        log = LogId.partition(LogId.partitionOf(append.stream(), logs.partitions()));
      } else if (LogId.categoryOf(append.stream()).equals(category)) {
        log = LogId.category(category);
      } else {
        throw new BadRequest(
            "invalid-query-parameter",
            "query parameter 'waitFor' is a position of stream "
                + append.stream()
                + ", which is not in category "
                + category);
      }
      return logs.indexed(log, append.stream(), append.version(), timeout, cancel);
    }
    if (category == null
        ? position instanceof Position.All
        : position instanceof Position.Category) {
      return CompletableFuture.completedFuture(true);
    }
    throw new BadRequest(
        "invalid-query-parameter",
        "query parameter 'waitFor' is a position of another log; use one from an append or from"
            + " this log");
  }

  private Duration timeout(String text) {
    if (text == null) {
      return settings.defaultWaitFor();
    }
    Matcher m = DURATION.matcher(text);
    Duration d = null;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d = m.group(2).equals("ms") ? Duration.ofMillis(n) : Duration.ofSeconds(n);
    }
    if (d == null || d.compareTo(settings.maxWaitFor()) > 0) {
      throw new BadRequest(
          "invalid-query-parameter",
          "query parameter 'timeout' must be a duration like 500ms or 2s of at most "
              + settings.maxWaitFor().toSeconds()
              + "s, was '"
              + Names.abbreviate(text)
              + "'");
    }
    return d;
  }
}
