package io.annals.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.annals.node.AnnalsSettings;
import io.annals.node.journal.Cancel;
import io.annals.node.journal.StoredEvent;
import io.annals.node.log.Cursor;
import io.annals.node.log.LogEvent;
import io.annals.node.log.LogId;
import io.annals.node.log.LogPages;
import io.annals.node.log.LogSubscriptions;
import io.annals.node.log.Position;
import io.annals.node.log.StreamSubscriptions;
import io.annals.node.metrics.Metrics;
import io.annals.node.security.Action;
import io.annals.node.security.Grant;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The Server-Sent-Events subscriptions: {@code GET /streams/{s}/subscribe}, {@code GET
 * /categories/{c}/subscribe} and {@code GET /all/subscribe}. Each parses where to start ({@code
 * Last-Event-ID} wins over {@code from}/{@code after}), takes its source of event chunks from
 * {@link LogSubscriptions} or {@link StreamSubscriptions} (catch-up, then live, driven by the
 * client's demand) and writes it with {@link Sse}.
 */
final class SubscriptionRoutes extends AllDirectives {
  private static final Set<String> LOG = Set.of("after", "excludeInvalidated", Sse.FORM_PARAMETER);
  private static final Set<String> STREAM =
      Set.of("from", "excludeInvalidated", Sse.FORM_PARAMETER);
  private final LogSubscriptions logs;
  private final StreamSubscriptions streams;
  private final Sse.Settings sse;
  private final Metrics metrics;
  private final Invalidations invalidations;
  private final LogArguments arguments;
  private final OpenSubscriptions open;
  private final Access access;
  private final Duration timeout;

  SubscriptionRoutes(
      LogSubscriptions logs,
      StreamSubscriptions streams,
      LogPages pages,
      AnnalsSettings settings,
      Metrics metrics,
      Invalidations invalidations,
      OpenSubscriptions open,
      Access access) {
    this.access = access;
    this.logs = logs;
    this.open = open;
    this.streams = streams;
    AnnalsSettings.Subscriptions s = settings.subscriptions();
    this.sse = new Sse.Settings(s.retry(), s.heartbeat(), s.chunkBytes());
    this.metrics = metrics;
    this.invalidations = invalidations;
    this.arguments = new LogArguments(pages);
    this.timeout = settings.defaultWaitFor();
  }

  Route route() {
    return concat(
        path(
            segment("all").slash("subscribe"),
            () ->
                get(
                    () ->
                        access.on(
                            Action.READ,
                            Grant.ALL,
                            () -> parameterMap(q -> allSubscribe(Params.of(q, LOG)))))),
        path(
            segment("categories").slash(segment()).slash("subscribe"),
            category ->
                get(
                    () ->
                        access.onCategory(
                            Action.READ,
                            category,
                            () ->
                                parameterMap(
                                    q -> categorySubscribe(category, Params.of(q, LOG)))))),
        path(
            segment("streams").slash(segment()).slash("subscribe"),
            stream ->
                get(
                    () ->
                        access.onStream(
                            Action.READ,
                            stream,
                            p ->
                                parameterMap(
                                    q -> streamSubscribe(stream, Params.of(q, STREAM)))))));
  }

  /**
   * A subscription's route: {@code inner} gets the {@link Cancel} of the request (its client has
   * gone) once a slot of {@code annals.subscriptions.max-open} is taken; none left: 429.
   */
  private Route subscription(java.util.function.BiFunction<Cancel, Runnable, Route> inner) {
    return extractRequest(
        request -> {
          OpenSubscriptions.Slot slot = open.tryOpen(Connections.goneOf(request));
          if (slot == null) {
            metrics.subscriptionsRefused.increment();
            return complete(Problems.tooManySubscriptions(open.max()));
          }
          try {
            return inner.apply(Connections.cancelOf(request), slot::close);
          } catch (RuntimeException badArguments) {
            slot.close();
            throw badArguments;
          }
        });
  }

  private Route allSubscribe(Params params) {
    Sse.Form form = Sse.Form.of(params);
    return optionalHeaderValueByName(
        "Last-Event-ID",
        lastId -> {
          CompletionStage<Position.All> from =
              lastId.isPresent()
                  ? arguments.allPosition(lastId.get(), "Last-Event-ID", timeout, Cancel.NEVER)
                  : arguments.allPosition(params.get("after"), "after", timeout, Cancel.NEVER);
          return onSuccess(
              from,
              start ->
                  subscription(
                      (cancel, close) ->
                          sse(
                              validOnly(params, logs.all(start, cancel), e -> e.second().event()),
                              e -> message(e.first(), form, e.second()),
                              close)));
        });
  }

  private Route categorySubscribe(String category, Params params) {
    Sse.Form form = Sse.Form.of(params);
    Names.validCategory(category);
    return optionalHeaderValueByName(
        "Last-Event-ID",
        lastId -> {
          CompletionStage<Cursor> from =
              lastId.isPresent()
                  ? arguments.categoryCursor(
                      category, lastId.get(), "Last-Event-ID", timeout, Cancel.NEVER)
                  : arguments.categoryCursor(
                      category, params.get("after"), "after", timeout, Cancel.NEVER);
          return onSuccess(
              from,
              start ->
                  subscription(
                      (cancel, close) ->
                          sse(
                              validOnly(
                                  params,
                                  logs.log(LogId.category(category), start, cancel),
                                  LogEvent::event),
                              e -> message(new Position.Category(e.after()), form, e),
                              close)));
        });
  }

  private Route streamSubscribe(String stream, Params params) {
    Sse.Form form = Sse.Form.of(params);
    Names.validStreamName(stream);
    return optionalHeaderValueByName(
        "Last-Event-ID",
        lastId -> {
          long from =
              lastId.isPresent()
                  ? Params.number("Last-Event-ID", lastId.get().trim(), 0, Long.MAX_VALUE - 1) + 1
                  : Optional.ofNullable(params.get("from"))
                      .map(v -> Params.number("from", v, 1, Long.MAX_VALUE))
                      .orElse(1L);
          return subscription(
              (cancel, close) ->
                  sse(
                      validOnly(params, streams.stream(stream, from, cancel), e -> e),
                      e -> Sse.message(Long.toString(e.version()), form, e, Sse.shared(e), "}"),
                      close));
        });
  }

  /**
   * With {@code excludeInvalidated=true}, each chunk without the events of transactions already
   * invalidated when the chunk is sent (an event sent live before its invalidation cannot be taken
   * back: the subscriber sees the {@code $invalidate} event that follows).
   */
  private <T> Source<List<T>, NotUsed> validOnly(
      Params params, Source<List<T>, NotUsed> chunks, Function<T, StoredEvent> event) {
    if (!params.excludeInvalidated()) {
      return chunks;
    }
    return chunks
        .mapAsync(1, chunk -> invalidations.valid(chunk, event))
        .filter(chunk -> !chunk.isEmpty());
  }

  /**
   * An event of a log: its position is its SSE id and, in the JSON, its {@code position}; the rest
   * of the message is encoded once per node and shared through the event's {@code bytes}.
   */
  private static ByteString message(Position position, Sse.Form form, LogEvent e) {
    String id = position.encode();
    return Sse.message(
        id,
        form,
        e.event(),
        e.bytes().get(() -> Sse.shared(e.event())),
        ",\"position\":\"" + id + "\"}");
  }

  /**
   * The SSE response, within its principal's cap and token lifetime ({@link Access}); {@code close}
   * gives the subscription's node-wide slot back when it ends.
   */
  private <T> Route sse(
      Source<List<T>, NotUsed> chunks, Function<T, ByteString> message, Runnable close) {
    return access.subscription(() -> Sse.response(chunks, message, sse, metrics, close), close);
  }
}
