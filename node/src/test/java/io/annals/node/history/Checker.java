package io.annals.node.history;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Checks a history of appends against the streams as read back: every acknowledged event present
 * exactly once at the version its answer gave, nothing of a refused append present, streams gapless
 * and made only of whole attempted appends, acknowledgements in real-time order, and every 409's
 * actual version one the stream really had. The logs and the agreement of the nodes are {@link
 * LogCheck}'s.
 */
final class Checker {
  /** One violation: which check, which stream, and the values involved. */
  record Anomaly(String check, String stream, String detail) {
    @Override
    public String toString() {
      return "[" + check + "] " + stream + ": " + detail;
    }
  }

  private final List<Op> ops;
  private final Map<String, Readback.StreamRead> streams;
  private final List<Anomaly> anomalies = new ArrayList<>();
  private final Map<UUID, Op> opOfEvent = new HashMap<>();
  private final Map<UUID, Integer> indexOfEvent = new HashMap<>();

  /** Per stream, the versions at which each event id is stored (more than one: doubled). */
  private final Map<String, Map<UUID, List<Long>>> stored = new HashMap<>();

  private Checker(List<Op> ops, Map<String, Readback.StreamRead> streams) {
    this.ops = ops;
    this.streams = streams;
    for (Op op : ops) {
      for (int i = 0; i < op.eventIds.size(); i++) {
        opOfEvent.put(op.eventIds.get(i), op);
        indexOfEvent.put(op.eventIds.get(i), i);
      }
    }
  }

  /** Checks (1)–(4), (6) and (7) of the history against {@code streams} (one node's reads). */
  static List<Anomaly> check(List<Op> ops, Map<String, Readback.StreamRead> streams) {
    Checker c = new Checker(ops, streams);
    streams.forEach(c::checkStream);
    ops.forEach(c::checkOp);
    ops.forEach(c::checkAnswers);
    c.checkClientOrder();
    c.checkRealTimeOrder();
    return c.anomalies;
  }

  private void add(String check, String stream, String detail) {
    anomalies.add(new Anomaly(check, stream, detail));
  }

  /** (3) versions 1..n without gap, each event of an attempted append, with its content. */
  private void checkStream(String stream, Readback.StreamRead read) {
    List<JsonNode> events = read.events();
    Map<UUID, List<Long>> at = new HashMap<>();
    stored.put(stream, at);
    if (read.version() != events.size()) {
      add(
          "stream-version",
          stream,
          "reports version " + read.version() + ", holds " + events.size());
    }
    for (int i = 0; i < events.size(); i++) {
      JsonNode e = events.get(i);
      long version = e.path("version").asLong();
      if (version != i + 1) {
        add("gap", stream, "event " + (i + 1) + " has version " + version + ": " + e);
      }
      UUID id = UUID.fromString(e.path("id").asText());
      at.computeIfAbsent(id, k -> new ArrayList<>()).add(version);
      Op op = opOfEvent.get(id);
      if (op == null) {
        add("unknown-event", stream, "version " + version + " is no attempted append's: " + e);
      } else if (!op.stream.equals(stream)
          || e.path("data").path("op").asInt() != op.id
          || e.path("data").path("i").asInt() != indexOfEvent.get(id)) {
        add("wrong-content", stream, "version " + version + " " + e + " was sent by " + op);
      }
    }
    at.forEach(
        (id, versions) -> {
          if (versions.size() > 1) {
            add("duplicate-event", stream, id + " " + opOfEvent.get(id) + " at " + versions);
          }
        });
  }

  /** (1) acknowledged appends present at their versions; (2) refused ones absent; (3) whole. */
  private void checkOp(Op op) {
    if (!stored.containsKey(op.stream)) {
      return; // no node could read the stream: reported as read-failed
    }
    Map<UUID, List<Long>> at = stored.get(op.stream);
    List<Long> versions = new ArrayList<>();
    for (UUID id : op.eventIds) {
      versions.add(at.containsKey(id) ? at.get(id).get(0) : null);
    }
    long present = versions.stream().filter(v -> v != null).count();
    if (present == 0) {
      if (op.outcome == Op.Outcome.OK) {
        add(
            "acknowledged-lost",
            op.stream,
            op + " answered " + answer(op.okAttempt()) + history(op));
      }
      return;
    }
    if (op.outcome == Op.Outcome.REFUSED) {
      add("refused-present", op.stream, op + " stored at " + versions + history(op));
    }
    boolean contiguous = present == versions.size();
    for (int i = 1; contiguous && i < versions.size(); i++) {
      contiguous = versions.get(i) == versions.get(0) + i;
    }
    if (!contiguous) {
      add("partial-append", op.stream, op + " stored at " + versions + history(op));
    }
    if (op.outcome == Op.Outcome.OK && !versions.equals(op.okAttempt().versions())) {
      add(
          "acknowledged-moved",
          op.stream,
          op + " answered " + op.okAttempt().versions() + ", stored at " + versions + history(op));
    }
  }

  /** (6) every 409's actual version is one the stream had; (7) retries; unexpected answers. */
  private void checkAnswers(Op op) {
    for (int i = 0; i < op.attempts.size(); i++) {
      // a 200 to a first request is no anomaly: the node re-sends an unanswered ask to the stream
      // itself (RetryingAsk), and the entity answers that as the retry it is; (1) checks versions
      Op.Attempt a = op.attempts.get(i);
      if (a.status() == 409 && a.problem().endsWith("/wrong-expected-version")) {
        checkConflict(op, a);
      } else if (a.ok()) {
        if (a.versions().size() != op.eventIds.size()) {
          add("bad-answer", op.stream, op + " answered " + answer(a));
        }
      } else if (a.status() != 503 && a.status() != -1) {
        add("unexpected-answer", op.stream, op + " attempt " + (i + 1) + " " + answer(a));
      }
    }
  }

  private void checkConflict(Op op, Op.Attempt a) {
    List<JsonNode> events =
        streams.containsKey(op.stream) ? streams.get(op.stream).events() : List.of();
    long actual = a.actualVersion();
    long n = events.size();
    String what = op + " got 409 " + a.body() + " (stream now at " + n + ")";
    if (actual == op.expected) {
      add("409-at-expected-version", op.stream, what);
    }
    if (actual > n || actual < 0) {
      add("409-beyond-stream", op.stream, what);
      return;
    }
    Op at = actual >= 1 ? writer(events, actual) : null;
    Op after = actual < n ? writer(events, actual + 1) : null;
    if (at != null && at == after) {
      add(
          "409-inside-append",
          op.stream,
          what + "; versions " + actual + ", " + (actual + 1) + " are both " + at);
    }
    if (at != null && at.firstSent() > a.receivedNanos()) {
      add(
          "409-from-the-future",
          op.stream,
          what + "; version " + actual + " is " + at + ", sent after the answer");
    }
    if (after != null
        && after.outcome == Op.Outcome.OK
        && after.okAttempt().receivedNanos() < a.sentNanos()) {
      add(
          "409-stale",
          op.stream,
          what
              + "; version "
              + (actual + 1)
              + " ("
              + after
              + ") was acknowledged before the request");
    }
  }

  private Op writer(List<JsonNode> events, long version) {
    String id = events.get((int) version - 1).path("id").asText();
    return opOfEvent.get(UUID.fromString(id));
  }

  /** (4) a client's acknowledged appends to one stream have increasing versions. */
  private void checkClientOrder() {
    Map<String, Long> last = new HashMap<>();
    for (Op op : ops) {
      if (op.outcome != Op.Outcome.OK || op.okAttempt().versions().isEmpty()) {
        continue;
      }
      String key = op.client + "/" + op.stream;
      List<Long> v = op.okAttempt().versions();
      Long before = last.put(key, v.get(v.size() - 1));
      if (before != null && v.get(0) <= before) {
        add(
            "client-order",
            op.stream,
            op + " acknowledged " + v + " after client's version " + before);
      }
    }
  }

  /**
   * (4) across clients: an append acknowledged before another was first sent is stored before it.
   */
  private void checkRealTimeOrder() {
    Map<String, List<Op>> byStream = new HashMap<>();
    for (Op op : ops) {
      if (firstStored(op) != null) {
        byStream.computeIfAbsent(op.stream, k -> new ArrayList<>()).add(op);
      }
    }
    byStream.forEach(
        (stream, present) -> {
          List<Op> acked =
              new ArrayList<>(present.stream().filter(o -> o.outcome == Op.Outcome.OK).toList());
          acked.sort(Comparator.comparingLong(o -> o.okAttempt().receivedNanos()));
          present.sort(Comparator.comparingLong(Op::firstSent));
          Op latest = null;
          int j = 0;
          for (Op b : present) {
            while (j < acked.size() && acked.get(j).okAttempt().receivedNanos() < b.firstSent()) {
              Op a = acked.get(j++);
              if (latest == null || lastStored(a) > lastStored(latest)) {
                latest = a;
              }
            }
            if (latest != null && lastStored(latest) >= firstStored(b)) {
              add(
                  "real-time-order",
                  stream,
                  latest
                      + " stored up to "
                      + lastStored(latest)
                      + " was acknowledged before "
                      + b
                      + " was sent, which is stored from "
                      + firstStored(b));
            }
          }
        });
  }

  private Long firstStored(Op op) {
    List<Long> v = stored.getOrDefault(op.stream, Map.of()).get(op.eventIds.get(0));
    return v == null ? null : v.get(0);
  }

  private long lastStored(Op op) {
    List<Long> v =
        stored.getOrDefault(op.stream, Map.of()).get(op.eventIds.get(op.eventIds.size() - 1));
    return v == null ? -1 : v.get(0);
  }

  private static String answer(Op.Attempt a) {
    return a.status() == -1 ? a.error() : a.status() + " " + a.body();
  }

  /** The attempts of an op, one per line, with times relative to its first request. */
  static String history(Op op) {
    StringBuilder b = new StringBuilder();
    long t0 = op.firstSent();
    for (Op.Attempt a : op.attempts) {
      b.append("\n      ")
          .append(
              String.format(
                  "+%d..%d ms ",
                  (a.sentNanos() - t0) / 1_000_000, (a.receivedNanos() - t0) / 1_000_000))
          .append(a.node())
          .append(" → ")
          .append(answer(a));
    }
    return b.toString();
  }
}
