package io.annals.node.http;

import io.annals.node.AnnalsSettings;
import io.annals.node.cluster.RetryingAsk;
import io.annals.node.journal.Cancel;
import io.annals.node.journal.StoredEvent;
import io.annals.node.journal.StreamReader;
import io.annals.node.metrics.Metrics;
import io.annals.node.stream.StreamEntity;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.ETag;
import org.apache.pekko.http.javadsl.model.headers.EntityTag;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The read routes of a stream: a page forward or backward, or one event. Each asks the stream
 * entity for its version first (the ETag, 404 for a stream never written, 304 for an unchanged
 * one), then reads the range from the journal through {@link StreamReader}.
 */
final class StreamReads extends AllDirectives {
  private final ClusterSharding sharding;
  private final StreamReader reader;
  private final AnnalsSettings settings;
  private final Metrics metrics;

  StreamReads(
      ClusterSharding sharding, StreamReader reader, AnnalsSettings settings, Metrics metrics) {
    this.sharding = sharding;
    this.reader = reader;
    this.settings = settings;
    this.metrics = metrics;
  }

  /**
   * What a page read asks for, validated. {@code from} is empty for "the default end"; {@code
   * types} empty means every type; filters apply inside the page's version range.
   */
  record PageQuery(
      Optional<Long> from,
      int limit,
      boolean backward,
      boolean excludeInvalidated,
      Set<String> types) {
    static final Set<String> PARAMS =
        Set.of("from", "limit", "direction", "excludeInvalidated", "type");

    static PageQuery parse(Params params, int defaultLimit, int maxLimit) {
      Optional<Long> from = params.number("from", 1, Long.MAX_VALUE);
      int limit = params.limit(defaultLimit, maxLimit);
      String direction = params.oneOf("direction", "forward", "backward");
      boolean exclude = params.excludeInvalidated();
      Set<String> types = params.has("type") ? Set.of(params.get("type").split(",")) : Set.of();
      return new PageQuery(from, limit, direction.equals("backward"), exclude, types);
    }

    boolean shows(StoredEvent e, Set<Long> invalidated) {
      return (!excludeInvalidated || !invalidated.contains(e.transaction()))
          && (types.isEmpty() || types.contains(e.type()));
    }

    String filters() {
      return (excludeInvalidated ? "&excludeInvalidated=true" : "")
          + (types.isEmpty() ? "" : "&type=" + String.join(",", new java.util.TreeSet<>(types)));
    }
  }

  Route page(String stream) {
    Names.validStreamName(stream);
    return parameterMap(
        query -> {
          PageQuery q =
              PageQuery.parse(
                  Params.of(query, PageQuery.PARAMS),
                  settings.defaultReadLimit(),
                  settings.maxReadLimit());
          return withVersion(
              stream,
              current ->
                  Connections.withCancel(
                      cancel ->
                          onSuccess(
                              Connections.tracked(readPage(stream, current, q, cancel), metrics),
                              this::complete)));
        });
  }

  Route one(String stream, long version) {
    Names.validStreamName(stream);
    return withVersion(
        stream,
        info -> {
          long current = info.version();
          if (version < 1 || version > current) {
            return complete(Problems.eventNotFound(stream, version, current));
          }
          return onSuccess(
              reader.read(stream, version, version),
              events ->
                  complete(
                      events.isEmpty()
                          ? Problems.eventNotFound(stream, version, -1)
                          : withETag(
                              current,
                              JsonResponses.written(
                                  g -> EventJson.write(g, events.get(0), null)))));
        });
  }

  /** Asks the stream's version, answering 404 for a never-written stream and 304 when unchanged. */
  private Route withVersion(String stream, Function<StreamEntity.CurrentVersion, Route> inner) {
    CompletionStage<StreamEntity.VersionReply> ask =
        RetryingAsk.ask(
            sharding.entityRefFor(StreamEntity.TYPE_KEY, stream),
            StreamEntity.GetVersion::new,
            settings.askAttempt(),
            settings.askTimeout());
    return onSuccess(
        ask,
        reply -> {
          if (reply instanceof StreamEntity.Unavailable u) {
            return complete(Problems.unavailable(stream, u));
          }
          StreamEntity.CurrentVersion current = (StreamEntity.CurrentVersion) reply;
          long version = current.version();
          if (version == 0) {
            return complete(Problems.streamNotFound(stream));
          }
          return optionalHeaderValueByName(
              "If-None-Match",
              etag ->
                  etag.filter(v -> v.trim().equals("\"" + version + "\"")).isPresent()
                      ? complete(
                          HttpResponse.create()
                              .withStatus(StatusCodes.NOT_MODIFIED)
                              .addHeader(etagOf(version)))
                      : inner.apply(current));
        });
  }

  private CompletionStage<HttpResponse> readPage(
      String stream, StreamEntity.CurrentVersion current, PageQuery q, Cancel cancel) {
    long version = current.version();
    long lo;
    long hi;
    if (q.backward()) {
      hi = Math.min(q.from().orElse(version), version);
      lo = Math.max(1, hi - q.limit() + 1);
    } else {
      lo = q.from().orElse(1L);
      hi = Math.min(version, lo + q.limit() - 1);
    }
    if (lo > hi) {
      String next =
          q.backward() && lo > 1 ? link(stream, lo - 1, q.limit(), "backward") + q.filters() : null;
      return CompletableFuture.completedFuture(
          withETag(version, pageBody(stream, version, List.of(), next)));
    }
    Page page = new Page(q, current.invalidated(), lo, hi);
    return page.fill(reader, stream, settings.maxPageBytes(), cancel)
        .thenApply(
            done -> {
              // the page ended at `done` (its last version read, in page order)
              String next = null;
              if (q.backward() && done > 1) {
                next = link(stream, done - 1, q.limit(), "backward") + q.filters();
              } else if (!q.backward() && done < version) {
                next = link(stream, done + 1, q.limit(), "forward") + q.filters();
              }
              return withETag(version, pageBody(stream, version, page.events, next));
            });
  }

  /**
   * A page read in chunks from the journal, in page order, until its range is read or its events
   * hold {@code annals.read.max-page-bytes} (always at least one event): a page of 1,000 events of
   * 1 MiB never sits in the heap at once. Chunks start at 16 versions and grow (at most fourfold,
   * at least to 256) to what the bytes left allow at the size of the events read so far.
   */
  private static final class Page {
    final PageQuery q;
    final Set<Long> invalidated;
    final long lo;
    final long hi;
    final List<StoredEvent> events = new ArrayList<>();
    long bytes;
    long read;

    Page(PageQuery q, Set<Long> invalidated, long lo, long hi) {
      this.q = q;
      this.invalidated = invalidated;
      this.lo = lo;
      this.hi = hi;
    }

    /** Completes with the last version the page covers (in page order). */
    CompletionStage<Long> fill(StreamReader reader, String stream, long budget, Cancel cancel) {
      if (cancel.cancelled()) {
        return CompletableFuture.failedFuture(new Cancel.Cancelled());
      }
      long left = hi - lo + 1 - read;
      long chunk = read == 0 ? 16 : Math.max(1, (budget - bytes) * read / Math.max(1, bytes));
      chunk = Math.min(left, Math.min(chunk, 4 * Math.max(64, read)));
      long a = q.backward() ? hi - read - chunk + 1 : lo + read;
      long b = a + chunk - 1;
      return reader
          .read(stream, a, b)
          .thenCompose(
              chunkEvents -> {
                List<StoredEvent> ordered = new ArrayList<>(chunkEvents);
                if (q.backward()) {
                  java.util.Collections.reverse(ordered);
                }
                long last = q.backward() ? a : b;
                for (StoredEvent e : ordered) {
                  if (q.shows(e, invalidated)) {
                    events.add(e);
                    bytes += e.size();
                  }
                  if (bytes >= budget) {
                    return CompletableFuture.completedFuture(e.version());
                  }
                }
                read = q.backward() ? hi - a + 1 : b - lo + 1;
                return read >= hi - lo + 1
                    ? CompletableFuture.completedFuture(last)
                    : fill(reader, stream, budget, cancel);
              });
    }
  }

  /** {@code GET /streams/{s}/surface?after=&limit=}: the newest valid event of each key, by key. */
  Route surface(String stream) {
    Names.validStreamName(stream);
    return parameterMap(
        query -> {
          Params params = Params.of(query, Set.of("after", "limit"));
          int limit = params.limit(settings.defaultReadLimit(), settings.maxReadLimit());
          String after = params.get("after");
          CompletionStage<StreamEntity.SurfaceReply> ask =
              RetryingAsk.ask(
                  sharding.entityRefFor(StreamEntity.TYPE_KEY, stream),
                  r -> new StreamEntity.GetSurface(after, limit, r),
                  settings.askAttempt(),
                  settings.askTimeout());
          return onSuccess(
              ask, reply -> onSuccess(surfacePage(stream, limit, reply), this::complete));
        });
  }

  private CompletionStage<HttpResponse> surfacePage(
      String stream, int limit, StreamEntity.SurfaceReply reply) {
    if (reply instanceof StreamEntity.Unavailable u) {
      return CompletableFuture.completedFuture(Problems.unavailable(stream, u));
    }
    StreamEntity.SurfacePage page = (StreamEntity.SurfacePage) reply;
    if (page.version() == 0) {
      return CompletableFuture.completedFuture(Problems.streamNotFound(stream));
    }
    List<CompletableFuture<List<StoredEvent>>> reads = new ArrayList<>();
    for (StreamEntity.SurfaceEntry entry : page.entries()) {
      reads.add(reader.read(stream, entry.version(), entry.version()).toCompletableFuture());
    }
    String next =
        page.more()
            ? "/streams/"
                + stream
                + "/surface?after="
                + java.net.URLEncoder.encode(
                    page.entries().get(page.entries().size() - 1).key(),
                    java.nio.charset.StandardCharsets.UTF_8)
                + "&limit="
                + limit
            : null;
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              List<StoredEvent> events = new ArrayList<>(reads.size());
              reads.forEach(r -> events.addAll(r.join()));
              return withETag(page.version(), pageBody(stream, page.version(), events, next));
            });
  }

  private static String link(String stream, long from, int limit, String direction) {
    return "/streams/" + stream + "?from=" + from + "&limit=" + limit + "&direction=" + direction;
  }

  private static HttpResponse pageBody(
      String stream, long version, List<StoredEvent> events, String next) {
    return JsonResponses.written(
        g -> {
          g.writeStartObject();
          g.writeStringField("stream", stream);
          g.writeNumberField("version", version);
          g.writeArrayFieldStart("events");
          for (StoredEvent e : events) {
            EventJson.write(g, e, null);
          }
          g.writeEndArray();
          g.writeStringField("next", next);
          g.writeEndObject();
        });
  }

  private static HttpResponse withETag(long version, HttpResponse response) {
    return response.addHeader(etagOf(version));
  }

  private static ETag etagOf(long version) {
    return ETag.create(EntityTag.create(Long.toString(version), false));
  }
}
