package io.annals.node.journal;

import java.time.Instant;

/** Time as the journals record it: microseconds since the epoch. */
public final class Micros {
  private Micros() {}

  public static long now() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
