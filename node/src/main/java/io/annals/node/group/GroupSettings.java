package io.annals.node.group;

import io.annals.node.CborSerializable;
import java.time.Duration;

/**
 * What a group reads and how it shares it: {@code category} (null for {@code $all}), where it
 * starts ({@code beginning}, {@code end}, or a position of its source), the strategy ({@code
 * pinned}: every event of a stream goes to one consumer while it stays connected; {@code
 * round-robin}), how many unacknowledged events each consumer may hold, how long a delivery waits
 * for its ack, how many deliveries an event gets before it is parked, and how often the checkpoint
 * is persisted (every {@code checkpointEvery} acks or {@code checkpointAfter}, whichever first).
 */
public record GroupSettings(
    String category,
    String start,
    String strategy,
    int maxInFlight,
    Duration ackTimeout,
    int maxAttempts,
    int checkpointEvery,
    Duration checkpointAfter)
    implements CborSerializable {

  public static final String PINNED = "pinned";
  public static final String ROUND_ROBIN = "round-robin";

  /** Whether {@code other} reads the same events from the same start (only these are fixed). */
  public boolean sameSource(GroupSettings other) {
    return java.util.Objects.equals(category, other.category) && start.equals(other.start);
  }

  /** "$all" or "$category:<c>", as grants name it. */
  public String sourceName() {
    return category == null ? "$all" : "$category:" + category;
  }

  public boolean pinned() {
    return PINNED.equals(strategy);
  }
}
