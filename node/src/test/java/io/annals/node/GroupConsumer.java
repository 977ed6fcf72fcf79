package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A consumer of a group for tests: subscribes over SSE on a thread of its own, records every
 * delivery (the event JSON with its {@code position} and {@code attempt}), and, while {@code
 * acking}, acks them in batches of up to 50 to the same node. Acks that fail (the node or the group
 * moving) are left: the group redelivers those events.
 */
final class GroupConsumer implements AutoCloseable {
  final List<JsonNode> received = new CopyOnWriteArrayList<>();
  final List<String> acked = new CopyOnWriteArrayList<>();
  final AtomicBoolean acking;
  private final SseClient sse;
  private final HttpJson http;
  private final String group;
  private final Thread thread;

  GroupConsumer(String baseUrl, String group, boolean acking) throws Exception {
    this.group = group;
    this.http = new HttpJson(baseUrl);
    this.acking = new AtomicBoolean(acking);
    this.sse = new SseClient(baseUrl + "/groups/" + group + "/subscribe", null, 100_000);
    assertEquals(200, sse.status());
    this.thread = new Thread(this::run, "consumer-" + group);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    List<String> pending = new ArrayList<>();
    try {
      while (!Thread.currentThread().isInterrupted()) {
        SseClient.Message m = sse.take(Duration.ofMillis(20));
        if (m != null && m.data() != null) {
          received.add(HttpJson.MAPPER.readTree(m.data()));
          pending.add(m.id());
        }
        if (acking.get() && !pending.isEmpty() && (m == null || pending.size() >= 50)) {
          try {
            HttpJson.Response r = http.post("/groups/" + group + "/ack", ids(pending, null));
            if (r.status() == 200) {
              pending.forEach(
                  id -> {
                    if ("acked".equals(r.body().path("results").path(id).asText())) {
                      acked.add(id);
                    }
                  });
            }
          } catch (RuntimeException e) {
            // the node is gone: the group redelivers what was not acked
          }
          pending = new ArrayList<>();
        }
      }
    } catch (InterruptedException e) {
      // closed
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {"ids": [...]} with, for a nack, its action and a reason. */
  static String ids(List<String> ids, String nack) {
    StringBuilder b = new StringBuilder("{\"ids\":[");
    for (int i = 0; i < ids.size(); i++) {
      b.append(i == 0 ? "" : ",").append('"').append(ids.get(i)).append('"');
    }
    b.append(']');
    if (nack != null) {
      b.append(",\"action\":\"").append(nack).append("\",\"reason\":\"test\"");
    }
    return b.append('}').toString();
  }

  @Override
  public void close() {
    thread.interrupt();
    sse.close();
  }
}
