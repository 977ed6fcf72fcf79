package io.annals.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** Collects the benchmark's rows and writes docs/benchmarks.md and the throughput chart. */
final class Report {
  private final List<String> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Map<Integer, Double> sweep = new LinkedHashMap<>();
  private double rawOneAtATime;

  static String n(double v) {
    return v >= 100 ? String.format("%,.0f", v) : String.format("%.2f", v);
  }

  /** A throughput row: both runs, latency of the second, the raw figure and the target. */
  void throughput(
      String name, String mode, Result r1, Result r2, Double raw, String target, Boolean met) {
    String ratio =
        raw == null
            ? ""
            : String.format(
                "%.2f× (%.0f%%)", r2.eventsPerSecond() / raw, 100 * r2.eventsPerSecond() / raw);
    rows.add(
        String.format(
            "| %s | %s | %s | %s | %.1f | %.1f | %d | %s | %s | %s | %s |",
            name,
            mode,
            n(r1.eventsPerSecond()),
            n(r2.eventsPerSecond()),
            r2.p50Millis(),
            r2.p99Millis(),
            r1.failures() + r2.failures(),
            raw == null ? "" : n(raw),
            ratio,
            target,
            met == null ? "" : met ? "yes" : "**no**"));
  }

  /** A single-figure row (CPU per event, heap, recovery time). */
  void figure(String name, String mode, String value1, String value2, String target, Boolean met) {
    rows.add(
        String.format(
            "| %s | %s | %s | %s |  |  |  |  |  | %s | %s |",
            name, mode, value1, value2, target, met == null ? "" : met ? "yes" : "**no**"));
  }

  void note(String text) {
    notes.add(text);
  }

  void sweepPoint(int inFlight, double eventsPerSecond) {
    sweep.put(inFlight, eventsPerSecond);
  }

  void rawOneAtATime(double eventsPerSecond) {
    rawOneAtATime = eventsPerSecond;
  }

  void write(Path md, Path png, String machine, String command) throws IOException {
    chart(png);
    StringBuilder b = new StringBuilder();
    b.append("## Writes: pipelined appends\n\n");
    b.append("Written by `")
        .append(command)
        .append("` on ")
        .append(java.time.LocalDate.now())
        .append(".\n\n");
    b.append("Machine: ").append(machine).append(".\n\n");
    b.append("After each node start, ")
        .append(WriteBenchmark.JIT_WARM_UP.toSeconds())
        .append(" s of load let the JIT compile the hot paths. ")
        .append(
            "Each throughput case ran twice (warm-up, then a fixed window; both runs shown); latency ")
        .append(
            "is per HTTP request, from the load generator (a separate process from the node), of ")
        .append(
            "the second run. The strict writer (bench StrictWriter) is the Cassandra Java driver ")
        .append(
            "alone, writing the same ~200-byte events into a copy of the journal's table under ")
        .append(
            "Annals' rules: at most one write in flight per stream, what waits goes out as the ")
        .append(
            "stream's next write (an unlogged batch of at most 100 events), the same in-flight ")
        .append("count, measured in the same run before the HTTP load. `group`: Cassandra ")
        .append(
            "fsyncs the commit log before acknowledging (2 ms window, dev mode's default); `periodic`: ")
        .append("fsync every 10 s.\n\n");
    b.append(
        "| case | commit log | run 1 (events/s) | run 2 (events/s) | p50 ms | p99 ms | failed requests | strict writer (events/s) | ratio | target | met |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    rows.forEach(r -> b.append(r).append('\n'));
    b.append("\n![events/s against requests in flight](").append(png.getFileName()).append(")\n\n");
    if (!notes.isEmpty()) {
      b.append("Notes:\n");
      notes.forEach(note -> b.append("- ").append(note).append('\n'));
    }
    Sections.write(md, "writes", b.toString());
  }

  private void chart(Path png) throws IOException {
    int w = 800;
    int h = 480;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    int left = 90;
    int right = w - 90;
    int top = 50;
    int bottom = h - 60;
    double max =
        Math.max(rawOneAtATime, sweep.values().stream().mapToDouble(d -> d).max().orElse(1)) * 1.15;
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString("Annals: one stream, one event per request (group commit log)", left, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawLine(left, bottom, right, bottom);
    g.drawLine(left, top, left, bottom);
    for (int i = 0; i <= 5; i++) {
      int y = bottom - (bottom - top) * i / 5;
      g.setColor(new Color(225, 225, 225));
      g.drawLine(left + 1, y, right, y);
      g.setColor(Color.BLACK);
      g.drawString(String.format("%,.0f", max * i / 5), 10, y + 4);
    }
    List<Integer> xs = new ArrayList<>(sweep.keySet());
    int[] px = new int[xs.size()];
    int[] py = new int[xs.size()];
    for (int i = 0; i < xs.size(); i++) {
      px[i] = left + (right - left) * i / Math.max(1, xs.size() - 1);
      py[i] = bottom - (int) ((bottom - top) * sweep.get(xs.get(i)) / max);
      g.drawString(xs.get(i) + " in flight", px[i] - 25, bottom + 20);
    }
    g.setColor(new Color(200, 60, 40));
    g.setStroke(
        new BasicStroke(
            1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 6}, 0));
    int rawY = bottom - (int) ((bottom - top) * rawOneAtATime / max);
    g.drawLine(left, rawY, right, rawY);
    g.drawString("raw driver, one insert at a time", right - 200, rawY - 6);
    g.setColor(new Color(30, 90, 200));
    g.setStroke(new BasicStroke(3f));
    g.drawPolyline(px, py, px.length);
    for (int i = 0; i < px.length; i++) {
      g.fillOval(px[i] - 4, py[i] - 4, 8, 8);
      g.drawString(String.format("%,.0f", sweep.get(xs.get(i))), px[i] + 6, py[i] - 6);
    }
    g.setColor(Color.BLACK);
    g.drawString("events/s (y) against HTTP requests in flight (x)", left, h - 15);
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
  }
}
