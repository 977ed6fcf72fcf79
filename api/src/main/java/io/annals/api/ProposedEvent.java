package io.annals.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.UUID;

/**
 * An event as a client sends it in an append. {@code id} may be null (the server generates one);
 * {@code data} is any JSON value and is kept as sent; {@code key} and {@code metadata} are
 * optional.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProposedEvent(
    UUID id, String type, Integer schemaVersion, String key, JsonNode data, JsonNode metadata) {

  public static ProposedEvent of(String type, JsonNode data) {
    return new ProposedEvent(UUID.randomUUID(), type, 1, null, data, null);
  }

  public ProposedEvent withKey(String newKey) {
    return new ProposedEvent(id, type, schemaVersion, newKey, data, metadata);
  }

  public ProposedEvent withMetadata(JsonNode newMetadata) {
    return new ProposedEvent(id, type, schemaVersion, key, data, newMetadata);
  }
}
