package io.annals.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/** An event as stored and read back. {@code position} is present where it is known. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RecordedEvent(
    UUID id,
    String stream,
    long version,
    long transaction,
    String type,
    int schemaVersion,
    String key,
    JsonNode data,
    JsonNode metadata,
    Instant recorded,
    String position) {}
