package io.annals.node.history;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.annals.node.HttpJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The report of one run as Markdown: the parameters, what the clients did and got, the faults with
 * their times, availability after each {@code kill -9}, and every anomaly. {@link #writeOps} keeps
 * the whole history (one op per line, JSON) next to it for a closer look.
 */
final class Summary {
  /** The parameters of a run and what happened around the load. */
  record Run(
      String id,
      long seed,
      String duration,
      int faults,
      int clients,
      List<String> streams,
      long startNanos,
      long loadEndNanos,
      boolean indexed,
      int shards) {}

  private Summary() {}

  static String render(
      Run run,
      List<Op> ops,
      List<Nemesis.Fault> faults,
      List<String> nemesisErrors,
      List<Checker.Anomaly> anomalies,
      Set<UUID> stored) {
    StringBuilder b = new StringBuilder("# History check " + run.id() + "\n\n");
    b.append(
        String.format(
            "seed %d, %s of load (%.0f s with the faults' recovery), %d faults planned, %d clients,"
                + " %d streams (%s…), logs indexed before the read-back: %s%n%n",
            run.seed(),
            run.duration(),
            seconds(run, run.loadEndNanos()),
            run.faults(),
            run.clients(),
            run.streams().size(),
            run.streams().get(0),
            run.indexed() ? "yes" : "NO (timed out)"));
    operations(b, ops, stored);
    b.append(
        "\n## Faults\n\n| # | kind | target | at s | lasted ms | whole again at s | note |\n|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < faults.size(); i++) {
      Nemesis.Fault f = faults.get(i);
      b.append(
          String.format(
              "| %d | %s | %s | %.1f | %d | %.1f | %s |%n",
              i + 1,
              f.kind(),
              f.target(),
              seconds(run, f.startNanos()),
              f.faultMillis(),
              seconds(run, f.healedNanos()),
              f.note()));
    }
    nemesisErrors.forEach(e -> b.append("\nfault error: ").append(e).append('\n'));
    availability(b, run, ops, faults);
    b.append("\n## Anomalies: ").append(anomalies.size()).append("\n\n");
    Map<String, Long> byCheck =
        new TreeMap<>(
            anomalies.stream()
                .collect(Collectors.groupingBy(Checker.Anomaly::check, Collectors.counting())));
    byCheck.forEach((check, n) -> b.append("- ").append(check).append(": ").append(n).append('\n'));
    b.append('\n');
    anomalies.stream().limit(200).forEach(a -> b.append("- ").append(a).append('\n'));
    if (anomalies.size() > 200) {
      b.append("- … ").append(anomalies.size() - 200).append(" more in anomalies.txt\n");
    }
    return b.toString();
  }

  private static void operations(StringBuilder b, List<Op> ops, Set<UUID> stored) {
    Map<String, Long> outcomes = new TreeMap<>();
    Map<String, Long> answers = new TreeMap<>();
    long attempts = 0;
    for (Op op : ops) {
      String outcome = op.outcome.toString().toLowerCase();
      if (op.outcome == Op.Outcome.INDETERMINATE) {
        outcome += op.attempts.stream().anyMatch(a -> a.status() == -1) ? " (no answer)" : " (503)";
        outcome += stored.contains(op.eventIds.get(0)) ? ", written" : ", not written";
      }
      outcomes.merge(outcome, 1L, Long::sum);
      for (Op.Attempt a : op.attempts) {
        attempts++;
        String answer =
            a.status() == -1
                ? (a.error().startsWith("timeout") ? "timeout" : "no connection")
                : a.status() + (a.problem().isEmpty() ? "" : " " + a.problem());
        answers.merge(answer, 1L, Long::sum);
      }
    }
    long events =
        ops.stream()
            .filter(o -> o.outcome == Op.Outcome.OK)
            .mapToLong(o -> o.eventIds.size())
            .sum();
    b.append(
        String.format(
            "## Operations%n%n%d appends (%d acknowledged events), %d requests%n%n",
            ops.size(), events, attempts));
    outcomes.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    long firstAnswered200 = ops.stream().filter(o -> o.attempts.get(0).status() == 200).count();
    b.append("- of them answered 200 to their first request (the node re-sent its ask): ")
        .append(firstAnswered200)
        .append('\n');
    b.append("\nanswers: ");
    b.append(
        answers.entrySet().stream()
            .map(e -> e.getKey() + " ×" + e.getValue())
            .collect(Collectors.joining(", ")));
    b.append('\n');
  }

  /**
   * For each kill -9: the streams whose shards the victim hosted, and per stream the time from the
   * kill to the first append sent after it that was answered 201, 200 or 409 (a stream that decides
   * appends again).
   */
  private static void availability(
      StringBuilder b, Run run, List<Op> ops, List<Nemesis.Fault> faults) {
    b.append("\n## Availability after kill -9\n\n");
    b.append(
        String.format(
            "longest time without any acknowledgement during the load: %d ms%n%n",
            longestSilence(run, ops)));
    for (Nemesis.Fault f : faults) {
      if (f.kind() != Nemesis.Kind.KILL) {
        continue;
      }
      Set<String> shards = f.victimShards();
      List<String> victims =
          run.streams().stream()
              .filter(s -> shards.contains(Integer.toString(Math.abs(s.hashCode() % run.shards()))))
              .toList();
      List<Long> recovery = new ArrayList<>();
      for (String s : victims) {
        ops.stream()
            .filter(o -> o.stream.equals(s))
            .flatMap(o -> o.attempts.stream())
            .filter(a -> (a.ok() || a.status() == 409) && a.sentNanos() >= f.startNanos())
            .mapToLong(a -> (a.receivedNanos() - f.startNanos()) / 1_000_000)
            .min()
            .ifPresent(recovery::add);
      }
      recovery.sort(null);
      b.append(
          String.format(
              "- %s at %.1f s: %d of its shards held %d of the history's streams; ",
              f.target(), seconds(run, f.startNanos()), shards.size(), victims.size()));
      b.append(
          recovery.isEmpty()
              ? "not measurable\n"
              : String.format(
                  "first append answered 201/200/409 after the kill: p50 %d ms, max %d ms"
                      + " (%d streams)%n",
                  recovery.get(recovery.size() / 2),
                  recovery.get(recovery.size() - 1),
                  recovery.size()));
    }
  }

  private static long longestSilence(Run run, List<Op> ops) {
    List<Long> acks =
        new ArrayList<>(
            ops.stream()
                .filter(o -> o.outcome == Op.Outcome.OK)
                .map(o -> o.okAttempt().receivedNanos())
                .toList());
    acks.add(run.startNanos());
    acks.add(run.loadEndNanos());
    acks.sort(null);
    long longest = 0;
    for (int i = 1; i < acks.size(); i++) {
      longest = Math.max(longest, acks.get(i) - acks.get(i - 1));
    }
    return longest / 1_000_000;
  }

  private static double seconds(Run run, long nanos) {
    return (nanos - run.startNanos()) / 1e9;
  }

  /** Every op with its attempts as one JSON line each; times in ms from the run's start. */
  static void writeOps(Path file, Run run, List<Op> ops) throws IOException {
    List<String> lines = new ArrayList<>();
    for (Op op : ops) {
      ObjectNode o = HttpJson.MAPPER.createObjectNode();
      o.put("op", op.id)
          .put("client", op.client)
          .put("stream", op.stream)
          .put("expected", op.expected);
      o.put("outcome", op.outcome.toString());
      ArrayNode ids = o.putArray("ids");
      op.eventIds.forEach(id -> ids.add(id.toString()));
      ArrayNode attempts = o.putArray("attempts");
      for (Op.Attempt a : op.attempts) {
        ObjectNode j = attempts.addObject();
        j.put("node", a.node())
            .put("sentMs", (a.sentNanos() - run.startNanos()) / 1_000_000)
            .put("receivedMs", (a.receivedNanos() - run.startNanos()) / 1_000_000)
            .put("status", a.status());
        j.put("answer", a.status() == -1 ? a.error() : a.body());
      }
      lines.add(o.toString());
    }
    Files.write(file, lines);
  }
}
