package io.annals.node.stream;

import io.annals.node.CborSerializable;
import java.util.UUID;

/**
 * An event to append, already validated by the HTTP layer: {@code data} and {@code metadata} are
 * compact JSON text (metadata may be null), {@code key} may be null. {@code invalidates} is set
 * only on the store's own {@code $invalidate} events: the transaction they invalidate. {@code
 * principal} is who wrote it, as the server authenticated them (never taken from the client).
 */
public record NewEvent(
    UUID id,
    String type,
    int schemaVersion,
    String key,
    String data,
    String metadata,
    Long invalidates,
    String principal)
    implements CborSerializable {

  public static final String INVALIDATE = "$invalidate";

  public NewEvent(
      UUID id, String type, int schemaVersion, String key, String data, String metadata) {
    this(id, type, schemaVersion, key, data, metadata, null, null);
  }

  /** This event as written by {@code principal} (null: security is off, nobody is recorded). */
  public NewEvent by(String principal) {
    return new NewEvent(id, type, schemaVersion, key, data, metadata, invalidates, principal);
  }

  /**
   * The system event that marks {@code transaction} invalid; {@code reasonJson} is a JSON string.
   */
  public static NewEvent invalidation(long transaction, String reasonJson) {
    String data = "{\"transaction\":" + transaction + ",\"reason\":" + reasonJson + "}";
    return new NewEvent(UUID.randomUUID(), INVALIDATE, 1, null, data, null, transaction, null);
  }

  /** A fingerprint of everything an idempotent retry must repeat exactly. */
  long contentHash() {
    return Fingerprint.ofContent(type, schemaVersion, key, data, metadata);
  }

  /** Approximate bytes this event adds to a journal batch. */
  int weight() {
    return 64 + type.length() + data.length() + (metadata == null ? 0 : metadata.length());
  }
}
