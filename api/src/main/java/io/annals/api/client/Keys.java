package io.annals.api.client;

import static io.annals.api.client.Transport.JSON;
import static io.annals.api.client.Transport.encode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** API keys ({@code /keys}); every call needs {@code admin} on {@code $all}. */
public final class Keys {
  private final Transport transport;

  Keys(Transport transport) {
    this.transport = transport;
  }

  /**
   * Creates a key with {@code grants} such as {@code "write:order-"}; the answer's {@code key} is
   * the secret, shown this once.
   */
  public CompletableFuture<JsonNode> create(String name, List<String> grants) {
    ObjectNode body = JSON.createObjectNode().put("name", name);
    body.set("grants", JSON.valueToTree(grants));
    return transport.send(transport.json("/keys", "POST", body).build());
  }

  /** Names, grants and sources of the keys (never the secrets). */
  public CompletableFuture<JsonNode> list() {
    return transport.sendRetrying(transport.request("/keys").GET().build());
  }

  /** Revokes the key, once every reachable node has dropped it. */
  public CompletableFuture<Void> delete(String name) {
    return transport
        .sendRetrying(transport.request("/keys/" + encode(name)).DELETE().build())
        .thenApply(node -> null);
  }
}
