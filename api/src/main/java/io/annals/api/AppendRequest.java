package io.annals.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The body of {@code POST /streams/{stream}}: an expected version and the events to append. */
public record AppendRequest(
    @JsonIgnore ExpectedVersion expectedVersion, List<ProposedEvent> events) {

  @JsonProperty("expectedVersion")
  Object expectedVersionJson() {
    return expectedVersion.toJsonValue();
  }
}
