package io.annals.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * docs/benchmarks.md holds one section per benchmark, between {@code <!-- name -->} and {@code <!--
 * /name -->}, so each benchmark rewrites only its own.
 */
final class Sections {
  private Sections() {}

  static void write(Path md, String name, String content) throws IOException {
    String open = "<!-- " + name + " -->\n";
    String close = "<!-- /" + name + " -->\n";
    String text = Files.exists(md) ? Files.readString(md) : "# Benchmarks\n\n";
    int start = text.indexOf(open);
    int end = text.indexOf(close);
    String section = open + content + close;
    if (start >= 0 && end > start) {
      text = text.substring(0, start) + section + text.substring(end + close.length());
    } else {
      text = text + (text.endsWith("\n\n") ? "" : "\n") + section;
    }
    Files.writeString(md, text);
  }
}
