package io.annals.node.stream;

import io.annals.node.CborSerializable;
import java.util.UUID;

/**
 * An event to append, already validated by the HTTP layer: {@code data} and {@code metadata} are
 * compact JSON text (metadata may be null), {@code key} may be null.
 */
public record NewEvent(
    UUID id, String type, int schemaVersion, String key, String data, String metadata)
    implements CborSerializable {

  /** A fingerprint of everything an idempotent retry must repeat exactly. */
  long contentHash() {
    return Fingerprint.of(type, Integer.toString(schemaVersion), key, data, metadata);
  }

  /** Approximate bytes this event adds to a journal batch. */
  int weight() {
    return 64 + type.length() + data.length() + (metadata == null ? 0 : metadata.length());
  }
}
