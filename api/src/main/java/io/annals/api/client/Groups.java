package io.annals.api.client;

import static io.annals.api.client.Transport.JSON;
import static io.annals.api.client.Transport.encode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.annals.api.GroupDelivery;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Consumer groups ({@code /groups}): a group shares a category's (or the global log's) events
 * between its consumers, at least once. Settings and answers are JSON as docs/api.md gives them.
 */
public final class Groups {
  private final Transport transport;

  Groups(Transport transport) {
    this.transport = transport;
  }

  /**
   * Creates the group, or changes the settings of an existing one: {@code settings} such as {@code
   * {"source": {"category": "order"}, "start": "beginning", "maxInFlight": 100}}.
   */
  public CompletableFuture<JsonNode> put(String name, JsonNode settings) {
    return transport.sendRetrying(
        transport.json("/groups/" + encode(name), "PUT", settings).build());
  }

  /** A group of the category {@code category} from its beginning, default settings otherwise. */
  public CompletableFuture<JsonNode> putForCategory(String name, String category) {
    ObjectNode settings = JSON.createObjectNode();
    settings.putObject("source").put("category", category);
    return put(name, settings);
  }

  /** The group's settings, checkpoint, lag, consumers and counters. */
  public CompletableFuture<JsonNode> get(String name) {
    return transport.sendRetrying(transport.request("/groups/" + encode(name)).GET().build());
  }

  /** The groups the principal may read. */
  public CompletableFuture<List<JsonNode>> list() {
    return transport
        .sendRetrying(transport.request("/groups").GET().build())
        .thenApply(
            node ->
                JSON.convertValue(
                    node.path("groups"),
                    JSON.getTypeFactory().constructCollectionType(List.class, JsonNode.class)));
  }

  /** Deletes the group; its consumers' subscriptions end. */
  public CompletableFuture<Void> delete(String name) {
    return transport
        .sendRetrying(transport.request("/groups/" + encode(name)).DELETE().build())
        .thenApply(node -> null);
  }

  /**
   * Joins the group as one consumer: {@code handler} gets each delivery; ack or nack it by its id.
   * Reconnects by itself (unacked deliveries come again, under {@code pinned} to this consumer if
   * it is back in time).
   */
  public Subscription consume(
      String name, Consumer<GroupDelivery> handler, Consumer<Throwable> onProblem) {
    return new Subscription(
            transport,
            last -> transport.request("/groups/" + encode(name) + "/subscribe"),
            null,
            m -> {
              JsonNode data = Transport.parse(m.data());
              handler.accept(
                  new GroupDelivery(m.id(), Transport.event(data), data.path("attempt").asInt(1)));
            },
            onProblem)
        .start();
  }

  /** Acks deliveries; the answer maps each id to {@code acked} or {@code unknown}. */
  public CompletableFuture<Map<String, String>> ack(String name, List<String> ids) {
    ObjectNode body = JSON.createObjectNode();
    body.set("ids", JSON.valueToTree(ids));
    return settle(name, "ack", body);
  }

  /** Nacks deliveries with {@code action} {@code retry}, {@code park} or {@code skip}. */
  public CompletableFuture<Map<String, String>> nack(
      String name, List<String> ids, String action, String reason) {
    ObjectNode body = JSON.createObjectNode();
    body.set("ids", JSON.valueToTree(ids));
    body.put("action", action);
    if (reason != null) {
      body.put("reason", reason);
    }
    return settle(name, "nack", body);
  }

  private CompletableFuture<Map<String, String>> settle(String name, String what, JsonNode body) {
    return transport
        .sendRetrying(transport.json("/groups/" + encode(name) + "/" + what, "POST", body).build())
        .thenApply(
            node -> {
              Map<String, String> out = new LinkedHashMap<>();
              node.path("results")
                  .properties()
                  .forEach(e -> out.put(e.getKey(), e.getValue().asText()));
              return out;
            });
  }
}
