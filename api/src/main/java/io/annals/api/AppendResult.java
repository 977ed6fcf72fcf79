package io.annals.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.UUID;

/**
 * The answer to an append: the versions it occupies, its transaction number and, per event, the
 * version it got (or, when de-duplicated by key, the version of the earlier identical event).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppendResult(
    String stream,
    long firstVersion,
    long lastVersion,
    long transaction,
    String position,
    List<EventResult> events) {

  /** One event's outcome inside an append. */
  public record EventResult(UUID id, long version, boolean deduplicated) {}
}
