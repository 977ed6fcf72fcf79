package io.annals.node.history;

import com.fasterxml.jackson.databind.JsonNode;
import io.annals.node.HttpJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client of the history: appends of 1–4 events with fresh ids to random streams, each with the
 * expected version it believes (from its last answer on that stream, or read now), through a random
 * node. After a 503, a timeout or a connection error it sends the identical request again, through
 * the next node, at most {@link #ATTEMPTS} times. Every attempt is recorded in its {@link Op}.
 */
final class Client {
  static final int ATTEMPTS = 4;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final AtomicInteger NEXT_OP = new AtomicInteger();
  private final int index;
  private final int clients;
  private final HttpClient http;
  private final List<String> nodes;
  private final List<String> streams;
  private final Random random;
  private final int thinkMillis;
  private final Map<String, Long> known = new HashMap<>();
  private final List<Op> ops = new ArrayList<>();
  private final Thread thread = new Thread(this::run);
  private volatile boolean running = true;

  Client(
      int index,
      int clients,
      HttpClient http,
      List<String> nodes,
      List<String> streams,
      long seed,
      int thinkMillis) {
    this.index = index;
    this.clients = clients;
    this.http = http;
    this.nodes = nodes;
    this.streams = streams;
    this.random = new Random(seed);
    this.thinkMillis = thinkMillis;
    thread.setName("client-" + index);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** The client finishes its current op (its retries are bounded) and stops. */
  void stop() {
    running = false;
  }

  /** Waits until the client has stopped; its ops in the order it sent them. */
  List<Op> await(Duration timeout) throws InterruptedException {
    thread.join(timeout.toMillis());
    if (thread.isAlive()) {
      thread.interrupt();
      thread.join(timeout.toMillis());
    }
    return ops;
  }

  private void run() {
    while (running) {
      String stream = streams.get(pick());
      Long version = known.get(stream);
      if (version == null || random.nextInt(100) < 15) {
        version = readVersion(stream);
      }
      if (version != null) {
        ops.add(append(stream, version));
      }
      if (!pause(random.nextInt(thinkMillis + 1))) {
        return;
      }
    }
  }

  /**
   * Mostly one of this client's own streams (index ≡ client modulo clients), so most appends expect
   * the right version; sometimes any stream, so clients also race on one stream.
   */
  private int pick() {
    int own = (streams.size() + clients - 1 - index) / clients;
    if (own == 0 || random.nextInt(100) < 30) {
      return random.nextInt(streams.size());
    }
    return index + clients * random.nextInt(own);
  }

  private Op append(String stream, long expected) {
    int n = 1 + random.nextInt(4);
    int id = NEXT_OP.incrementAndGet();
    List<UUID> ids = new ArrayList<>();
    StringBuilder events = new StringBuilder();
    String type = stream.startsWith("acct") ? "Deposited" : "Posted";
    for (int i = 0; i < n; i++) {
      UUID eventId = UUID.randomUUID();
      ids.add(eventId);
      events.append(i == 0 ? "" : ",");
      events.append(
          "{\"id\":\"%s\",\"type\":\"%s\",\"data\":{\"c\":%d,\"op\":%d,\"i\":%d,\"h\":\"%s\"}}"
              .formatted(eventId, type, index, id, i, StallProxy.MARKER));
    }
    String body = "{\"expectedVersion\":" + expected + ",\"events\":[" + events + "]}";
    Op op = new Op(id, index, stream, expected, List.copyOf(ids), body);
    int first = random.nextInt(nodes.size());
    for (int a = 0; a < ATTEMPTS; a++) {
      Op.Attempt attempt = send(nodes.get((first + a) % nodes.size()), op);
      op.attempts.add(attempt);
      if (attempt.ok()) {
        op.outcome = Op.Outcome.OK;
        known.put(stream, attempt.versions().get(attempt.versions().size() - 1));
        return op;
      }
      if (attempt.refused()) {
        op.outcome = Op.Outcome.REFUSED;
        if (attempt.actualVersion() >= 0) {
          known.put(stream, attempt.actualVersion());
        }
        return op;
      }
      // 503 asks to come back after Retry-After: 1; a dead node refuses at once
      if (a + 1 < ATTEMPTS && !pause(attempt.status() == 503 ? 1000 : 250)) {
        break;
      }
    }
    known.remove(stream);
    return op;
  }

  private Op.Attempt send(String node, Op op) {
    long sent = System.nanoTime();
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(node + "/streams/" + op.stream))
                  .timeout(TIMEOUT)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(op.body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return answer(node, sent, r);
    } catch (HttpTimeoutException e) {
      return noAnswer(node, sent, "timeout after " + TIMEOUT.toSeconds() + " s");
    } catch (IOException e) {
      return noAnswer(node, sent, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return noAnswer(node, sent, "interrupted");
    }
  }

  private static Op.Attempt answer(String node, long sent, HttpResponse<String> r) {
    long received = System.nanoTime();
    JsonNode body;
    try {
      body = HttpJson.MAPPER.readTree(r.body());
    } catch (IOException e) {
      body = HttpJson.MAPPER.createObjectNode();
    }
    List<Long> versions = new ArrayList<>();
    body.path("events").forEach(e -> versions.add(e.path("version").asLong()));
    String problem = body.path("type").asText("");
    long actual = body.has("actualVersion") ? body.path("actualVersion").asLong() : -1;
    return new Op.Attempt(
        node, sent, received, r.statusCode(), problem, versions, actual, null, r.body());
  }

  private static Op.Attempt noAnswer(String node, long sent, String error) {
    return new Op.Attempt(node, sent, System.nanoTime(), -1, "", List.of(), -1, error, null);
  }

  /** The stream's version now (0 if it was never written), or null when no node answered. */
  private Long readVersion(String stream) {
    String node = nodes.get(random.nextInt(nodes.size()));
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(node + "/streams/" + stream + "?direction=backward&limit=1"))
                  .timeout(TIMEOUT)
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 404) {
        return 0L;
      }
      if (r.statusCode() == 200) {
        return HttpJson.MAPPER.readTree(r.body()).path("version").asLong();
      }
    } catch (IOException e) {
      // no answer: try again with the next op
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pause(250);
    return null;
  }

  private boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
