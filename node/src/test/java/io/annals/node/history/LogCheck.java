package io.annals.node.history;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * (5) {@code /all} and each category log hold every event of every stream of the history exactly
 * once, in version order, and nothing else; (8) every node reads the same streams and logs.
 */
final class LogCheck {
  private final List<Checker.Anomaly> anomalies = new ArrayList<>();

  private LogCheck() {}

  static List<Checker.Anomaly> check(List<Readback> reads, List<String> streams) {
    LogCheck c = new LogCheck();
    for (Readback r : reads) {
      r.failures.forEach(f -> c.add("read-failed", r.node, f));
      r.logs.forEach((log, events) -> c.checkLog(r, log, events, streams));
    }
    c.checkNodesAgree(reads);
    return c.anomalies;
  }

  private void add(String check, String where, String detail) {
    anomalies.add(new Checker.Anomaly(check, where, detail));
  }

  private void checkLog(Readback r, String log, List<JsonNode> events, List<String> streams) {
    String where = log + " through " + r.node;
    String category =
        log.startsWith("/categories/") ? log.substring("/categories/".length()) : null;
    Map<String, List<JsonNode>> byStream = new HashMap<>();
    for (JsonNode e : events) {
      String s = e.path("stream").asText();
      if (!streams.contains(s) || (category != null && !s.startsWith(category + "-"))) {
        add("log-foreign-event", where, "holds " + e);
        continue;
      }
      byStream.computeIfAbsent(s, k -> new ArrayList<>()).add(e);
    }
    for (String s : streams) {
      if (category != null && !s.startsWith(category + "-")) {
        continue;
      }
      Readback.StreamRead read = r.streams.get(s);
      if (read != null) {
        compare(where, s, byStream.getOrDefault(s, List.of()), read.events());
      }
    }
  }

  /** The log's events of {@code stream} against the stream itself, version by version. */
  private void compare(String where, String stream, List<JsonNode> inLog, List<JsonNode> inStream) {
    Set<String> seen = new LinkedHashSet<>();
    long previous = 0;
    for (JsonNode e : inLog) {
      String key = e.path("version").asLong() + "/" + e.path("id").asText();
      if (!seen.add(key)) {
        add("log-duplicate", where, stream + " version " + key + " twice");
      }
      if (e.path("version").asLong() <= previous) {
        add("log-order", where, stream + " version " + e.path("version") + " after " + previous);
      }
      previous = e.path("version").asLong();
    }
    Set<String> expected = new LinkedHashSet<>();
    inStream.forEach(e -> expected.add(e.path("version").asLong() + "/" + e.path("id").asText()));
    List<String> missing = expected.stream().filter(k -> !seen.contains(k)).toList();
    List<String> extra = seen.stream().filter(k -> !expected.contains(k)).toList();
    if (!missing.isEmpty()) {
      add(
          "log-missing",
          where,
          stream
              + ": "
              + missing.size()
              + " of the stream's events missing, e.g. "
              + first(missing));
    }
    if (!extra.isEmpty()) {
      add(
          "log-extra",
          where,
          stream + ": " + extra.size() + " events the stream does not hold, e.g. " + first(extra));
    }
  }

  /** (8) the same events, in the same order, through every node. */
  private void checkNodesAgree(List<Readback> reads) {
    Readback ref = reads.get(0);
    for (Readback other : reads.subList(1, reads.size())) {
      ref.streams.forEach(
          (s, read) -> {
            Readback.StreamRead o = other.streams.get(s);
            if (o != null && (o.version() != read.version() || !o.events().equals(read.events()))) {
              add(
                  "nodes-disagree",
                  s,
                  ref.node
                      + " vs "
                      + other.node
                      + ": versions "
                      + read.version()
                      + " vs "
                      + o.version()
                      + ", "
                      + firstDifference(read.events(), o.events()));
            }
          });
      ref.logs.forEach(
          (log, events) -> {
            List<JsonNode> o = other.logs.get(log);
            if (o != null && !o.equals(events)) {
              add(
                  "nodes-disagree",
                  log,
                  ref.node
                      + " vs "
                      + other.node
                      + ": "
                      + events.size()
                      + " vs "
                      + o.size()
                      + " events, "
                      + firstDifference(events, o));
            }
          });
    }
  }

  private static String firstDifference(List<JsonNode> a, List<JsonNode> b) {
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      JsonNode x = i < a.size() ? a.get(i) : null;
      JsonNode y = i < b.size() ? b.get(i) : null;
      if (!Objects.equals(x, y)) {
        return "first difference at index " + i + ": " + x + " vs " + y;
      }
    }
    return "same";
  }

  private static String first(List<String> keys) {
    return keys.subList(0, Math.min(5, keys.size())).toString();
  }
}
