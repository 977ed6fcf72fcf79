package io.annals.api.client;

import static io.annals.api.client.Transport.JSON;
import static io.annals.api.client.Transport.encode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.annals.api.AppendResult;
import io.annals.api.ExpectedVersion;
import io.annals.api.LogPage;
import io.annals.api.Problem;
import io.annals.api.ProposedEvent;
import io.annals.api.RecordedEvent;
import io.annals.api.StreamNames;
import io.annals.api.StreamPage;
import io.annals.api.StreamWrite;
import io.annals.api.WriteResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A client of one Annals node (any node of a cluster serves every stream), on {@code
 * java.net.http}. Every call is asynchronous and completes with the decoded answer, or fails with
 * an {@link AnnalsException} carrying the server's problem ({@link WrongExpectedVersionException},
 * {@link StreamNotFoundException}, {@link UnauthorizedException}, {@link ForbiddenException}, ...);
 * {@link #blocking()} gives the same calls in blocking form. Appends get their event ids here,
 * before the first attempt, so the retries after a 503 or a lost connection are idempotent.
 */
public final class AnnalsClient {
  private final Transport transport;

  private AnnalsClient(Transport transport) {
    this.transport = transport;
  }

  public static AnnalsClient create(URI base) {
    return builder(base).build();
  }

  public static AnnalsClient create(URI base, HttpClient http) {
    return builder(base).httpClient(http).build();
  }

  public static Builder builder(URI base) {
    return new Builder(base);
  }

  /** How to reach the node: its URL, a bearer token, the request timeout and retries. */
  public static final class Builder {
    private final URI base;
    private HttpClient http;
    private String token;
    private Duration timeout = Duration.ofSeconds(30);
    private int retries = 3;
    private Duration idleTimeout = Duration.ofSeconds(60);

    private Builder(URI base) {
      this.base = base;
    }

    public Builder httpClient(HttpClient client) {
      this.http = client;
      return this;
    }

    /** An API key or JWT, sent as {@code Authorization: Bearer <token>}; null for none. */
    public Builder token(String bearerToken) {
      this.token = bearerToken;
      return this;
    }

    /** How long one attempt of a request may take (default 30 s). */
    public Builder timeout(Duration requestTimeout) {
      this.timeout = requestTimeout;
      return this;
    }

    /** Retries of an idempotent request after a 503 or a connection failure (default 3). */
    public Builder retries(int count) {
      this.retries = count;
      return this;
    }

    /**
     * How long a subscription may hear nothing, not even a heartbeat (the node sends one every 15 s
     * by default), before it reconnects (default 60 s).
     */
    public Builder idleTimeout(Duration subscriptionIdleTimeout) {
      this.idleTimeout = subscriptionIdleTimeout;
      return this;
    }

    public AnnalsClient build() {
      HttpClient client =
          http != null
              ? http
              : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      return new AnnalsClient(new Transport(base, client, token, timeout, retries, idleTimeout));
    }
  }

  /** The same calls, blocking; problems are thrown as {@link AnnalsException}s. */
  public BlockingAnnalsClient blocking() {
    return new BlockingAnnalsClient(this);
  }

  /** Consumer groups: create, inspect, delete, consume, ack and nack. */
  public Groups groups() {
    return new Groups(transport);
  }

  /** API keys ({@code /keys}): needs admin on {@code $all}. */
  public Keys keys() {
    return new Keys(transport);
  }

  /** Appends {@code events} to {@code stream} with no expected version. */
  public CompletableFuture<AppendResult> appendToStream(String stream, List<ProposedEvent> events) {
    return appendToStream(stream, ExpectedVersion.ANY, events);
  }

  /**
   * Appends {@code events} atomically if the stream satisfies {@code expected}. Events without an
   * id get one now, so a retry after a 503 or a lost connection is answered as the same append.
   */
  public CompletableFuture<AppendResult> appendToStream(
      String stream, ExpectedVersion expected, List<ProposedEvent> events) {
    ObjectNode body = appendBody(expected, events);
    HttpRequest request = transport.json("/streams/" + encode(stream), "POST", body).build();
    return transport
        .sendRetrying(request)
        .thenApply(node -> JSON.convertValue(node, AppendResult.class));
  }

  /** Writes to many streams in one request; each write is atomic on its own, not the request. */
  public CompletableFuture<List<WriteResult>> appendToStreams(List<StreamWrite> writes) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode array = body.putArray("writes");
    for (StreamWrite w : writes) {
      array.add(appendBody(w.expectedVersion(), w.events()).put("stream", w.stream()));
    }
    HttpRequest request = transport.json("/streams", "POST", body).build();
    return transport.sendRetrying(request).thenApply(node -> results(node.path("results")));
  }

  /**
   * Sends many appends to one stream in one request ({@code append-stream}, NDJSON), pipelined by
   * the server; one result per append, in order. The whole body is sent before answers are read, so
   * keep it to what fits in the connection's buffers (a few thousand small appends).
   */
  public CompletableFuture<List<WriteResult>> appendStream(
      String stream, List<StreamWrite> appends) {
    StringBuilder body = new StringBuilder();
    for (StreamWrite w : appends) {
      body.append(appendBody(w.expectedVersion(), w.events())).append('\n');
    }
    HttpRequest request =
        transport
            .request("/streams/" + encode(stream) + "/append-stream")
            .header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    return transport
        .http
        .sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            response -> {
              ArrayNode lines = JSON.createArrayNode();
              if (response.statusCode() >= 400) {
                Transport.decode(response.statusCode(), response.body());
              }
              response.body().lines().filter(l -> !l.isBlank()).forEach(l -> lines.add(parse(l)));
              return results(lines);
            });
  }

  private static JsonNode parse(String line) {
    return Transport.parse(line);
  }

  private static ObjectNode appendBody(ExpectedVersion expected, List<ProposedEvent> events) {
    ObjectNode body = JSON.createObjectNode();
    body.putPOJO("expectedVersion", expected.toJsonValue());
    body.set("events", JSON.valueToTree(withIds(events)));
    return body;
  }

  private static List<ProposedEvent> withIds(List<ProposedEvent> events) {
    List<ProposedEvent> out = new ArrayList<>(events.size());
    for (ProposedEvent e : events) {
      out.add(
          e.id() != null
              ? e
              : new ProposedEvent(
                  UUID.randomUUID(), e.type(), e.schemaVersion(), e.key(), e.data(), e.metadata()));
    }
    return out;
  }

  private static List<WriteResult> results(JsonNode array) {
    List<WriteResult> out = new ArrayList<>();
    for (JsonNode r : array) {
      int status = r.path("status").asInt();
      if (status >= 400) {
        out.add(new WriteResult(status, null, JSON.convertValue(r, Problem.class)));
      } else {
        out.add(new WriteResult(status, JSON.convertValue(r, AppendResult.class), null));
      }
    }
    return out;
  }

  /** A page of {@code stream} forward from {@code from} (inclusive). */
  public CompletableFuture<StreamPage> readStream(String stream, long from, int limit) {
    return page("/streams/" + encode(stream) + "?from=" + from + "&limit=" + limit);
  }

  /** A page of {@code stream} backward from {@code from} (inclusive). */
  public CompletableFuture<StreamPage> readStreamBackward(String stream, long from, int limit) {
    return page(
        "/streams/" + encode(stream) + "?from=" + from + "&limit=" + limit + "&direction=backward");
  }

  /** The newest {@code limit} events of {@code stream}, newest first. */
  public CompletableFuture<StreamPage> readStreamBackward(String stream, int limit) {
    return page("/streams/" + encode(stream) + "?limit=" + limit + "&direction=backward");
  }

  /** Every event of {@code stream}, following the pages' {@code next} links. */
  public CompletableFuture<List<RecordedEvent>> readAllEvents(String stream) {
    return collect(page("/streams/" + encode(stream) + "?limit=1000"), new ArrayList<>());
  }

  /** The event at {@code version}. */
  public CompletableFuture<RecordedEvent> readEvent(String stream, long version) {
    return get("/streams/" + encode(stream) + "/" + version).thenApply(Transport::event);
  }

  /** The newest valid event of every key of {@code stream}, by key, after {@code afterKey}. */
  public CompletableFuture<StreamPage> readSurface(String stream, String afterKey, int limit) {
    String after = afterKey == null ? "" : "&after=" + encode(afterKey);
    return page("/streams/" + encode(stream) + "/surface?limit=" + limit + after);
  }

  /** Invalidates transaction {@code transaction} of {@code stream}; answers like an append. */
  public CompletableFuture<AppendResult> invalidateTransaction(
      String stream, long transaction, String reason) {
    ObjectNode body = JSON.createObjectNode().put("reason", reason);
    String path = "/streams/" + encode(stream) + "/transactions/" + transaction + "/invalidate";
    return transport
        .send(transport.json(path, "POST", body).build())
        .thenApply(node -> JSON.convertValue(node, AppendResult.class));
  }

  /** A page of the global log after {@code after} (null: from the start). */
  public CompletableFuture<LogPage> readAll(String after, int limit) {
    return readAll(after, limit, null);
  }

  /**
   * A page of the global log after {@code after}, once the log holds the append at {@code waitFor}
   * (an append's position; fails with {@link UnavailableException} {@code not-yet-indexed} if it
   * does not within the server's default 2 s).
   */
  public CompletableFuture<LogPage> readAll(String after, int limit, String waitFor) {
    return logPage("/all", after, limit, waitFor);
  }

  /** A page of {@code category}'s log after {@code after} (null: from the start). */
  public CompletableFuture<LogPage> readCategory(String category, String after, int limit) {
    return readCategory(category, after, limit, null);
  }

  /** As {@link #readAll(String, int, String)}, for one category. */
  public CompletableFuture<LogPage> readCategory(
      String category, String after, int limit, String waitFor) {
    return logPage("/categories/" + encode(category), after, limit, waitFor);
  }

  /** Stream names in ascending order after {@code after} (null: from the first). */
  public CompletableFuture<StreamNames> listStreams(String after, int limit) {
    String from = after == null ? "" : "&after=" + encode(after);
    return get("/streams?limit=" + limit + from)
        .thenApply(
            node -> {
              List<String> names = new ArrayList<>();
              node.path("streams").forEach(n -> names.add(n.asText()));
              return new StreamNames(names, text(node.get("next")));
            });
  }

  /**
   * Subscribes to {@code stream} from version {@code from} (inclusive): catch-up, then live,
   * reconnecting by itself and resuming after the last event handed to {@code handler}.
   */
  public Subscription subscribeToStream(
      String stream, long from, Consumer<RecordedEvent> handler, Consumer<Throwable> onProblem) {
    return subscribe(
        "/streams/" + encode(stream) + "/subscribe?from=" + from, null, handler, onProblem);
  }

  /** Subscribes to {@code category}'s log after {@code after} (null: its start). */
  public Subscription subscribeToCategory(
      String category,
      String after,
      Consumer<RecordedEvent> handler,
      Consumer<Throwable> onProblem) {
    return subscribe("/categories/" + encode(category) + "/subscribe", after, handler, onProblem);
  }

  /** Subscribes to the global log after {@code after} (null: its start). */
  public Subscription subscribeToAll(
      String after, Consumer<RecordedEvent> handler, Consumer<Throwable> onProblem) {
    return subscribe("/all/subscribe", after, handler, onProblem);
  }

  private Subscription subscribe(
      String path,
      String lastEventId,
      Consumer<RecordedEvent> handler,
      Consumer<Throwable> onProblem) {
    return new Subscription(
            transport,
            last -> {
              HttpRequest.Builder b = transport.request(path);
              return last == null ? b : b.header("Last-Event-ID", last);
            },
            lastEventId,
            m -> handler.accept(Transport.event(Transport.parse(m.data()))),
            onProblem)
        .start();
  }

  private CompletableFuture<LogPage> logPage(String path, String after, int limit, String waitFor) {
    StringBuilder q = new StringBuilder(path).append("?limit=").append(limit);
    if (after != null) {
      q.append("&after=").append(encode(after));
    }
    if (waitFor != null) {
      q.append("&waitFor=").append(encode(waitFor));
    }
    return get(q.toString())
        .thenApply(
            node -> {
              List<RecordedEvent> events = new ArrayList<>();
              node.path("events").forEach(e -> events.add(Transport.event(e)));
              return new LogPage(events, text(node.get("next")));
            });
  }

  private CompletableFuture<List<RecordedEvent>> collect(
      CompletableFuture<StreamPage> page, List<RecordedEvent> into) {
    return page.thenCompose(
        p -> {
          into.addAll(p.events());
          return p.next() == null
              ? CompletableFuture.completedFuture(into)
              : collect(page(p.next()), into);
        });
  }

  private CompletableFuture<JsonNode> get(String pathAndQuery) {
    return transport.sendRetrying(transport.request(pathAndQuery).GET().build());
  }

  private CompletableFuture<StreamPage> page(String pathAndQuery) {
    return get(pathAndQuery)
        .thenApply(
            node -> {
              List<RecordedEvent> events = new ArrayList<>();
              node.path("events").forEach(e -> events.add(Transport.event(e)));
              return new StreamPage(
                  node.path("stream").asText(),
                  node.path("version").asLong(),
                  events,
                  text(node.get("next")));
            });
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }
}
