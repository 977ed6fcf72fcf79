package io.annals.node.journal;

import java.time.Instant;
import java.util.UUID;

/**
 * A stream event as read back from the journal; {@code data}/{@code metadata} are JSON text; {@code
 * principal} is who wrote it (null when security was off).
 */
public record StoredEvent(
    String stream,
    long version,
    long transaction,
    UUID id,
    String type,
    int schemaVersion,
    String key,
    String data,
    String metadata,
    Instant recorded,
    String principal) {

  /** What byte budgets of reads count: the characters of {@code data} and {@code metadata}. */
  public long size() {
    return data.length() + (metadata == null ? 0 : metadata.length());
  }
}
