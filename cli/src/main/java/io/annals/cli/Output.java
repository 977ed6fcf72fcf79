package io.annals.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.annals.api.AppendResult;
import io.annals.api.RecordedEvent;
import java.io.PrintWriter;

/**
 * Prints what a command got: one JSON object per line (the event as the HTTP API reads it), or with
 * {@code --table} a fixed-width row per event under a header printed once.
 */
final class Output {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final String EVENT_ROW = "%-8s %-36s %-24s %-27s %s%n";
  private final PrintWriter out;
  private final boolean table;
  private boolean header;

  Output(PrintWriter out, boolean table) {
    this.out = out;
    this.table = table;
  }

  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode tree(RecordedEvent e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", e.id().toString()).put("stream", e.stream()).put("version", e.version());
    n.put("transaction", e.transaction()).put("type", e.type());
    n.put("schemaVersion", e.schemaVersion());
    if (e.key() != null) {
      n.put("key", e.key());
    }
    n.set("data", e.data());
    if (e.metadata() != null) {
      n.set("metadata", e.metadata());
    }
    if (e.recorded() != null) {
      n.put("recorded", e.recorded().toString());
    }
    if (e.position() != null) {
      n.put("position", e.position());
    }
    return n;
  }

  void event(RecordedEvent e) {
    if (!table) {
      out.println(json(tree(e)));
    } else {
      if (!header) {
        out.printf(EVENT_ROW, "VERSION", "STREAM", "TYPE", "RECORDED", "DATA");
        header = true;
      }
      String data = String.valueOf(e.data());
      out.printf(
          EVENT_ROW,
          e.version(),
          e.stream(),
          e.type(),
          e.recorded(),
          data.length() > 60 ? data.substring(0, 57) + "..." : data);
    }
    out.flush();
  }

  void appended(AppendResult r) {
    if (!table) {
      out.println(json(r));
    } else {
      out.printf("%-36s %-12s %-12s %s%n", "STREAM", "FIRST", "LAST", "TRANSACTION");
      out.printf(
          "%-36s %-12d %-12d %d%n", r.stream(), r.firstVersion(), r.lastVersion(), r.transaction());
    }
    out.flush();
  }

  void name(String stream) {
    if (table) {
      out.println(stream);
    } else {
      out.println(json(JSON.createObjectNode().put("stream", stream)));
    }
  }
}
