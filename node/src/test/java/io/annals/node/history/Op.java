package io.annals.node.history;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One append a client attempted: the request (stream, expected version, event ids) and every HTTP
 * attempt of it with its answer, in order. A client retries the identical request after a 503, a
 * timeout or a connection error, so every attempt carries the same ids and expected version. Only
 * the owning client thread writes an op; the checker reads it after the clients have stopped.
 */
final class Op {
  /** What the client knows in the end: written, definitely not written, or unknown. */
  enum Outcome {
    OK,
    REFUSED,
    INDETERMINATE
  }

  /**
   * One request and its answer. {@code status} -1 means no answer ({@code error} says why); {@code
   * versions} are the event versions of a 201/200 answer, {@code actualVersion} the stream's
   * version a 409 named (-1 otherwise). Times are {@link System#nanoTime()} values.
   */
  record Attempt(
      String node,
      long sentNanos,
      long receivedNanos,
      int status,
      String problem,
      List<Long> versions,
      long actualVersion,
      String error,
      String body) {
    boolean ok() {
      return status == 201 || status == 200;
    }

    /** A definite answer that nothing was written (409 and the other 4xx). */
    boolean refused() {
      return status >= 400 && status < 500;
    }
  }

  final int id;
  final int client;
  final String stream;
  final long expected;
  final List<UUID> eventIds;
  final String body;
  final List<Attempt> attempts = new ArrayList<>();
  Outcome outcome = Outcome.INDETERMINATE;

  Op(int id, int client, String stream, long expected, List<UUID> eventIds, String body) {
    this.id = id;
    this.client = client;
    this.stream = stream;
    this.expected = expected;
    this.eventIds = eventIds;
    this.body = body;
  }

  long firstSent() {
    return attempts.get(0).sentNanos();
  }

  /** The attempt answered 201 or 200 (the last attempt, since a client stops there), or null. */
  Attempt okAttempt() {
    return outcome == Outcome.OK ? attempts.get(attempts.size() - 1) : null;
  }

  Attempt last() {
    return attempts.get(attempts.size() - 1);
  }

  @Override
  public String toString() {
    return "op "
        + id
        + " (client "
        + client
        + ", "
        + stream
        + ", expected "
        + expected
        + ", "
        + eventIds.size()
        + " events, "
        + outcome
        + ")";
  }
}
