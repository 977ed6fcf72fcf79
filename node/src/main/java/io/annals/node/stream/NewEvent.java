package io.annals.node.stream;

import io.annals.node.CborSerializable;
import java.util.UUID;

/**
 * An event to append, already validated by the HTTP layer: {@code data} and {@code metadata} are
 * JSON text exactly as the client sent it (metadata may be null), {@code key} may be null. {@code
 * invalidates} is set only on the store's own {@code $invalidate} events: the transaction they
 * invalidate. {@code contentFingerprint} and {@code dataFingerprint} are what retries and key
 * de-duplication compare (see {@link #exact}); null means "of {@code data} and {@code metadata} as
 * they are", as for every event of a sender that knows nothing of them. {@code principal} is who
 * wrote it, as the server authenticated them (never taken from the client).
 */
public record NewEvent(
    UUID id,
    String type,
    int schemaVersion,
    String key,
    String data,
    String metadata,
    Long invalidates,
    Long contentFingerprint,
    Long dataFingerprint,
    String principal)
    implements CborSerializable {

  public static final String INVALIDATE = "$invalidate";

  public NewEvent(
      UUID id, String type, int schemaVersion, String key, String data, String metadata) {
    this(id, type, schemaVersion, key, data, metadata, null, null, null, null);
  }

  /** This event as written by {@code principal} (null: security is off, nobody is recorded). */
  public NewEvent by(String principal) {
    return new NewEvent(
        id,
        type,
        schemaVersion,
        key,
        data,
        metadata,
        invalidates,
        contentFingerprint,
        dataFingerprint,
        principal);
  }

  public NewEvent(
      UUID id,
      String type,
      int schemaVersion,
      String key,
      String data,
      String metadata,
      Long invalidates) {
    this(id, type, schemaVersion, key, data, metadata, invalidates, null, null, null);
  }

  /**
   * An event whose {@code data} and {@code metadata} are kept as sent while it is compared by
   * {@code compactData} and {@code compactMetadata}: the compact text Annals stored before it kept
   * data exactly, so a retry of an event stored then is still recognised. The fingerprints are kept
   * only when the texts differ (an event sent compact is stored as it always was).
   */
  public static NewEvent exact(
      UUID id,
      String type,
      int schemaVersion,
      String key,
      String data,
      String metadata,
      String compactData,
      String compactMetadata) {
    if (data.equals(compactData) && java.util.Objects.equals(metadata, compactMetadata)) {
      return new NewEvent(id, type, schemaVersion, key, data, metadata);
    }
    return new NewEvent(
        id,
        type,
        schemaVersion,
        key,
        data,
        metadata,
        null,
        Fingerprint.ofContent(type, schemaVersion, key, compactData, compactMetadata),
        Fingerprint.of(compactData),
        null);
  }

  /**
   * The system event that marks {@code transaction} invalid; {@code reasonJson} is a JSON string.
   */
  public static NewEvent invalidation(long transaction, String reasonJson) {
    String data = "{\"transaction\":" + transaction + ",\"reason\":" + reasonJson + "}";
    return new NewEvent(UUID.randomUUID(), INVALIDATE, 1, null, data, null, transaction);
  }

  /** A fingerprint of everything an idempotent retry must repeat exactly. */
  long contentHash() {
    return contentFingerprint != null
        ? contentFingerprint
        : Fingerprint.ofContent(type, schemaVersion, key, data, metadata);
  }

  /** A fingerprint of the data, for key de-duplication. */
  long dataHash() {
    return dataFingerprint != null ? dataFingerprint : Fingerprint.of(data);
  }

  /** Approximate bytes this event adds to a journal batch. */
  int weight() {
    return 64 + type.length() + data.length() + (metadata == null ? 0 : metadata.length());
  }
}
