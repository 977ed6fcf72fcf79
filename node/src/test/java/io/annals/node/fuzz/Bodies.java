package io.annals.node.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The JSON bodies of the fuzzer's requests: valid appends (events with every optional member and
 * numbers of every spelling), hostile JSON (deep, huge, lone surrogates, duplicate members, too
 * many events), multi-stream writes, and byte- and token-level mutations of any of them.
 */
final class Bodies {
  private final Random r;
  private final Supplier<String> stream;

  Bodies(Random r, Supplier<String> stream) {
    this.r = r;
    this.stream = stream;
  }

  String validAppend() {
    StringBuilder events = new StringBuilder();
    int n = 1 + r.nextInt(r.nextInt(10) == 0 ? 50 : 3);
    for (int i = 0; i < n; i++) {
      events.append(i == 0 ? "" : ",").append(event());
    }
    return switch (r.nextInt(3)) {
      case 0 -> "[" + events + "]";
      case 1 -> n == 1 ? events.toString() : "[" + events + "]";
      default -> "{\"expectedVersion\":" + expected() + ",\"events\":[" + events + "]}";
    };
  }

  String expected() {
    return switch (r.nextInt(4)) {
      case 0 -> "\"any\"";
      case 1 -> "\"exists\"";
      default -> Integer.toString(r.nextInt(5));
    };
  }

  String event() {
    StringBuilder e = new StringBuilder("{");
    if (r.nextInt(3) == 0) {
      e.append("\"id\":\"").append(new UUID(r.nextLong(), r.nextLong())).append("\",");
    }
    e.append("\"type\":\"T").append(r.nextInt(5)).append('"');
    if (r.nextInt(3) == 0) {
      e.append(",\"key\":\"k").append(r.nextInt(4)).append('"');
    }
    if (r.nextInt(4) == 0) {
      e.append(",\"schemaVersion\":").append(1 + r.nextInt(3));
    }
    e.append(",\"data\":").append(value(3));
    if (r.nextInt(4) == 0) {
      e.append(",\"metadata\":{\"c\":").append(value(1)).append('}');
    }
    return e.append('}').toString();
  }

  String value(int depth) {
    int k = r.nextInt(depth <= 0 ? 6 : 9);
    return switch (k) {
      case 0 -> Long.toString(r.nextLong() % 1000);
      case 1 ->
          pick(
              new String[] {
                "-0",
                "1e400",
                "1e-7",
                "1.50",
                "-0.0",
                "1E2",
                "0.1",
                "123456789012345678901234567890"
              });
      case 2 ->
          "\""
              + pick(new String[] {"x", "é", "\\u00e9", "\\ud83d\\ude00", "a\\nb", "\\\"q\\\"", ""})
              + "\"";
      case 3 -> pick(new String[] {"true", "false", "null"});
      case 4 -> "\"" + "s".repeat(r.nextInt(40)) + "\"";
      case 5 -> "{}";
      case 6 -> "[" + value(depth - 1) + (r.nextBoolean() ? ", " + value(depth - 1) : "") + "]";
      default -> "{\"a\": " + value(depth - 1) + ", \"b\":" + value(depth - 1) + "}";
    };
  }

  String hostileJson() {
    return switch (r.nextInt(14)) {
      case 0 ->
          "{\"type\":\"A\",\"data\":" + "[".repeat(900 + r.nextInt(3000)) + "]".repeat(10) + "}";
      case 1 ->
          "{\"type\":\"A\",\"data\":"
              + "[".repeat(50 + r.nextInt(950))
              + "1"
              + "]".repeat(50)
              + "}";
      case 2 -> "{\"type\":\"A\",\"data\":\"" + "x".repeat(r.nextInt(1_200_000)) + "\"}";
      case 3 -> "{\"type\":\"A\\ud800\",\"data\":1}";
      case 4 -> "{\"type\":\"A\",\"data\":{\"\\udc00\":1}}";
      case 5 -> "{\"type\":\"A\",\"type\":\"B\",\"data\":1}";
      case 6 ->
          "["
              + "{\"type\":\"A\",\"data\":1},".repeat(manyEvents())
              + "{\"type\":\"A\",\"data\":1}]";
      case 7 -> "{\"type\":\"A\",\"data\":1" + "0".repeat(r.nextInt(5000)) + "}";
      case 8 -> "{\"type\":\"" + "t".repeat(150 + r.nextInt(100)) + "\",\"data\":1}";
      case 9 -> "{\"type\":\"$invalidate\",\"data\":{\"transaction\":1}}";
      case 10 -> "{\"events\":{},\"expectedVersion\":-1}";
      case 11 -> "{\"expectedVersion\":3}";
      case 12 -> "{\"type\":7,\"data\":1,\"id\":\"not-a-uuid\",\"schemaVersion\":0}";
      default -> "{\"type\":\"A\",\"data\":1,\"metadata\":[1],\"extra\":true}";
    };
  }

  /** Events of a big append: mostly a few hundred, sometimes just over the limit of 10,000. */
  int manyEvents() {
    return r.nextInt(4) == 0 ? 10_000 + r.nextInt(100) : r.nextInt(300);
  }

  String multiWrite() {
    StringBuilder w = new StringBuilder("{\"writes\":[");
    int n = r.nextInt(10) == 0 ? 101 + r.nextInt(5) : 1 + r.nextInt(4);
    for (int i = 0; i < n; i++) {
      String name =
          r.nextInt(8) == 0 ? pick(new String[] {".", "..", "$x", "", "a b"}) : stream.get();
      w.append(i == 0 ? "" : ",")
          .append("{\"stream\":\"")
          .append(name)
          .append("\",\"events\":[")
          .append(event())
          .append("]}");
    }
    String body = w.append("]}").toString();
    return r.nextInt(3) == 0 ? mutate(body) : body;
  }

  /** One of several byte-level and token-level mutations of {@code json}. */
  String mutate(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = r.nextInt(Math.max(1, b.length));
    switch (r.nextInt(10)) {
      case 0 -> { // flip a byte
        b[at] = (byte) r.nextInt(256);
        out.writeBytes(b);
      }
      case 1 -> out.write(b, 0, at); // truncate
      case 2 -> { // insert bad UTF-8
        byte[][] bad = {
          {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
          {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80},
          {(byte) 0xC0, (byte) 0xAF},
          {(byte) 0xFF},
          {(byte) 0x80},
          {0}
        };
        out.write(b, 0, at);
        out.writeBytes(bad[r.nextInt(bad.length)]);
        out.write(b, at, b.length - at);
      }
      case 3 -> { // duplicate a region
        int len = r.nextInt(Math.max(1, b.length - at));
        out.write(b, 0, at + len);
        out.write(b, at, len);
        out.write(b, at + len, b.length - at - len);
      }
      case 4 -> { // delete a region
        int len = r.nextInt(Math.max(1, b.length - at));
        out.write(b, 0, at);
        out.write(b, at + len, b.length - at - len);
      }
      case 5 ->
          out.writeBytes(
              json.replaceFirst("\"data\":", "\"data\":" + value(2) + ",\"data\":")
                  .getBytes(StandardCharsets.UTF_8));
      case 6 ->
          out.writeBytes(
              json.replaceFirst("\"type\":\"[^\"]*\"", "\"type\":" + value(1))
                  .getBytes(StandardCharsets.UTF_8));
      case 7 ->
          out.writeBytes(
              (json + pick(new String[] {"}", "]", ",", " x", "\u0000", "{}"}))
                  .getBytes(StandardCharsets.UTF_8));
      case 8 ->
          out.writeBytes(
              json.replace("\"", r.nextBoolean() ? "'" : "").getBytes(StandardCharsets.UTF_8));
      default ->
          out.writeBytes(
              json.replaceFirst(
                      "\"data\":",
                      "\"data\":\"\\ud8" + Integer.toHexString(r.nextInt(256)) + "\",\"x\":")
                  .getBytes(StandardCharsets.UTF_8));
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  private String pick(String[] options) {
    return options[r.nextInt(options.length)];
  }
}
