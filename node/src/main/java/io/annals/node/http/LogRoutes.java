package io.annals.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.annals.node.AnnalsSettings;
import io.annals.node.log.Cursor;
import io.annals.node.log.LogEntity;
import io.annals.node.log.LogEvent;
import io.annals.node.log.LogId;
import io.annals.node.log.LogSource;
import io.annals.node.log.Position;
import io.annals.node.metrics.Metrics;
import io.annals.node.stream.StoredEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The read side across streams: {@code GET /all} and {@code GET /categories/{c}} (pages, with
 * {@code waitFor} for reading one's own writes), {@code GET /streams} (stream names), and the SSE
 * subscriptions of a stream, a category and the global log. Positions are parsed and checked here;
 * the reading is {@link LogSource}'s.
 */
final class LogRoutes extends AllDirectives {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s)");
  private static final Pattern CATEGORY = Pattern.compile("[A-Za-z0-9._:]{1,200}");
  private static final Duration WAIT_STEP = Duration.ofMillis(10);

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final LogSource logs;
  private final AnnalsSettings settings;
  private final Metrics metrics;
  private final Invalidations invalidations;

  LogRoutes(ActorSystem<?> system, LogSource logs, AnnalsSettings settings) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.logs = logs;
    this.settings = settings;
    this.metrics = Metrics.get(system);
    this.invalidations = new Invalidations(sharding, settings.askAttempt(), settings.askTimeout());
  }

  Route route() {
    // get() inside each path: a get() around them all would, on every GET, cancel the 405 of the
    // other route classes' paths (a GET to a POST-only path would be a 404)
    return concat(
        path("all", () -> get(() -> parameterMap(this::allPage))),
        path(segment("all").slash("subscribe"), () -> get(() -> parameterMap(this::allSubscribe))),
        pathPrefix(
            segment("categories").slash(segment()),
            category ->
                concat(
                    pathEnd(() -> get(() -> parameterMap(p -> categoryPage(category, p)))),
                    path(
                        "subscribe",
                        () -> get(() -> parameterMap(p -> categorySubscribe(category, p)))))),
        pathPrefix(
            "streams",
            () ->
                concat(
                    pathEndOrSingleSlash(() -> get(() -> parameterMap(this::streamNames))),
                    path(
                        segment().slash("subscribe"),
                        stream -> get(() -> parameterMap(p -> streamSubscribe(stream, p)))))));
  }

  // ---- pages ----------------------------------------------------------------------------------

  private Route allPage(Map<String, String> params) {
    Position.All from = allPosition(params.get("after"), "after").orElse(start());
    int limit = StreamReads.limit(params, settings.defaultReadLimit(), settings.maxReadLimit());
    CompletionStage<HttpResponse> page =
        waitFor(params, null)
            .thenCompose(
                reached ->
                    !reached
                        ? CompletableFuture.completedFuture(notYetIndexed(params))
                        : logs.allPage(from, limit)
                            .thenCompose(
                                read ->
                                    valid(params, read, Pair::second)
                                        .thenApply(
                                            shown -> page(shown, next(read, from.encode())))));
    return onSuccess(page, this::complete);
  }

  private Route categoryPage(String category, Map<String, String> params) {
    validCategory(category);
    Cursor from = categoryCursor(params.get("after"), "after").orElse(Cursor.START);
    int limit = StreamReads.limit(params, settings.defaultReadLimit(), settings.maxReadLimit());
    CompletionStage<HttpResponse> page =
        waitFor(params, category)
            .thenCompose(
                reached -> {
                  if (!reached) {
                    return CompletableFuture.completedFuture(notYetIndexed(params));
                  }
                  return logs.reader()
                      .events(LogId.category(category), from, limit)
                      .thenCompose(
                          read ->
                              valid(params, read, LogEvent::event)
                                  .thenApply(shown -> categoryPage(read, shown, from)));
                });
    return onSuccess(page, this::complete);
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
      Map<String, String> params,
      List<T> items,
      java.util.function.Function<T, StoredEvent> event) {
    return excludeInvalidated(params)
        ? invalidations.valid(items, event)
        : CompletableFuture.completedFuture(items);
  }

  private static boolean excludeInvalidated(Map<String, String> params) {
    return StreamReads.oneOf(params, "excludeInvalidated", "false", "true").equals("true");
  }

  /** {"events": [...], "next": position}. */
  private static HttpResponse pageOf(List<Pair<String, StoredEvent>> events, String next) {
    return StreamReads.body(
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
  private Route streamNames(Map<String, String> params) {
    String after = params.get("after");
    if (after != null) {
      AppendBody.validStreamName(after);
    }
    int limit = StreamReads.limit(params, settings.defaultReadLimit(), settings.maxReadLimit());
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
                  return StreamReads.body(
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
  private CompletionStage<Boolean> waitFor(Map<String, String> params, String category) {
    String text = params.get("waitFor");
    Duration timeout = timeout(params.get("timeout"));
    if (text == null) {
      return CompletableFuture.completedFuture(true);
    }
    Position position = decode(text, "waitFor");
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
      long deadline = System.nanoTime() + timeout.toNanos();
      return covered(log, append, deadline);
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

  private CompletionStage<Boolean> covered(String log, Position.Append append, long deadline) {
    return sharding
        .entityRefFor(LogEntity.TYPE_KEY, log)
        .<LogEntity.Coverage>ask(
            r -> new LogEntity.Covers(append.stream(), append.version(), r), settings.askTimeout())
        .thenApply(LogEntity.Coverage::covered)
        .exceptionally(failure -> false)
        .thenCompose(
            covered -> {
              if (covered || System.nanoTime() >= deadline) {
                return CompletableFuture.completedFuture(covered);
              }
              return Patterns.after(
                  WAIT_STEP,
                  system.classicSystem().scheduler(),
                  system.executionContext(),
                  () -> covered(log, append, deadline));
            });
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
              + AppendBody.abbreviate(text)
              + "'");
    }
    return d;
  }

  private static HttpResponse notYetIndexed(Map<String, String> params) {
    return Problems.response(
        Problems.problem(
            503,
            "not-yet-indexed",
            "Not yet indexed",
            "the log has not reached position "
                + AppendBody.abbreviate(params.get("waitFor"))
                + " within the timeout; retry later"));
  }

  // ---- subscriptions --------------------------------------------------------------------------

  private Route allSubscribe(Map<String, String> params) {
    return optionalHeaderValueByName(
        "Last-Event-ID",
        lastId -> {
          Position.All from =
              lastId.isPresent()
                  ? allPosition(lastId.get(), "Last-Event-ID").orElseThrow()
                  : allPosition(params.get("after"), "after").orElse(start());
          Source<List<Sse.Message>, NotUsed> messages =
              validOnly(params, logs.all(from), Pair::second)
                  .map(
                      chunk -> {
                        List<Sse.Message> out = new ArrayList<>(chunk.size());
                        for (Pair<Position.All, StoredEvent> e : chunk) {
                          String id = e.first().encode();
                          out.add(
                              new Sse.Message(
                                  id, e.second().type(), EventJson.text(e.second(), id)));
                        }
                        return out;
                      });
          return sse(messages);
        });
  }

  private Route categorySubscribe(String category, Map<String, String> params) {
    validCategory(category);
    return optionalHeaderValueByName(
        "Last-Event-ID",
        lastId -> {
          Cursor from =
              lastId.isPresent()
                  ? categoryCursor(lastId.get(), "Last-Event-ID").orElseThrow()
                  : categoryCursor(params.get("after"), "after").orElse(Cursor.START);
          Source<List<Sse.Message>, NotUsed> messages =
              validOnly(params, logs.log(LogId.category(category), from), LogEvent::event)
                  .map(
                      chunk -> {
                        List<Sse.Message> out = new ArrayList<>(chunk.size());
                        for (LogEvent e : chunk) {
                          String id = new Position.Category(e.after()).encode();
                          out.add(
                              new Sse.Message(id, e.event().type(), EventJson.text(e.event(), id)));
                        }
                        return out;
                      });
          return sse(messages);
        });
  }

  private Route streamSubscribe(String stream, Map<String, String> params) {
    AppendBody.validStreamName(stream);
    return optionalHeaderValueByName(
        "Last-Event-ID",
        lastId -> {
          long from =
              lastId.isPresent()
                  ? StreamReads.number("Last-Event-ID", lastId.get().trim(), 0, Long.MAX_VALUE - 1)
                      + 1
                  : Optional.ofNullable(params.get("from"))
                      .map(v -> StreamReads.number("from", v, 1, Long.MAX_VALUE))
                      .orElse(1L);
          Source<List<Sse.Message>, NotUsed> messages =
              validOnly(params, logs.stream(stream, from), e -> e)
                  .map(
                      chunk -> {
                        List<Sse.Message> out = new ArrayList<>(chunk.size());
                        for (StoredEvent e : chunk) {
                          out.add(
                              new Sse.Message(
                                  Long.toString(e.version()), e.type(), EventJson.text(e, null)));
                        }
                        return out;
                      });
          return sse(messages);
        });
  }

  /**
   * With {@code excludeInvalidated=true}, each chunk without the events of transactions already
   * invalidated when the chunk is sent (an event sent live before its invalidation cannot be taken
   * back: the subscriber sees the {@code $invalidate} event that follows).
   */
  private <T> Source<List<T>, NotUsed> validOnly(
      Map<String, String> params,
      Source<List<T>, NotUsed> chunks,
      java.util.function.Function<T, StoredEvent> event) {
    if (!excludeInvalidated(params)) {
      return chunks;
    }
    return chunks
        .mapAsync(1, chunk -> invalidations.valid(chunk, event))
        .filter(chunk -> !chunk.isEmpty());
  }

  private Route sse(Source<List<Sse.Message>, NotUsed> messages) {
    AnnalsSettings.Subscriptions s = settings.subscriptions();
    return complete(Sse.response(messages, s.retry(), s.heartbeat(), metrics));
  }

  // ---- positions ------------------------------------------------------------------------------

  private Position.All start() {
    return Position.All.start(logs.partitions());
  }

  private Optional<Position.All> allPosition(String text, String name) {
    if (text == null) {
      return Optional.empty();
    }
    if (decode(text, name) instanceof Position.All all
        && all.partitions().length == logs.partitions()) {
      return Optional.of(all);
    }
    throw new BadRequest(
        "invalid-query-parameter",
        name + " '" + AppendBody.abbreviate(text) + "' is not a position of the global log");
  }

  private Optional<Cursor> categoryCursor(String text, String name) {
    if (text == null) {
      return Optional.empty();
    }
    if (decode(text, name) instanceof Position.Category c) {
      return Optional.of(c.cursor());
    }
    throw new BadRequest(
        "invalid-query-parameter",
        name + " '" + AppendBody.abbreviate(text) + "' is not a position of a category log");
  }

  private static Position decode(String text, String name) {
    try {
      return Position.decode(text);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(
          "invalid-query-parameter",
          name + " '" + AppendBody.abbreviate(text) + "' " + e.getMessage());
    }
  }

  private static void validCategory(String category) {
    if (!CATEGORY.matcher(category).matches()) {
      throw new BadRequest(
          "invalid-category",
          "category '"
              + AppendBody.abbreviate(category)
              + "' must be 1-200 characters of A-Z a-z 0-9 . _ : (a stream name's part before"
              + " its first '-')");
    }
  }
}
