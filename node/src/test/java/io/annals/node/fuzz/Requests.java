package io.annals.node.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Generates one fuzz request from a seeded {@link Random}: well-formed HTTP with mutated or hostile
 * bodies, query strings, stream names, headers and methods, or raw garbage on the socket. The same
 * seed gives the same requests. Valid appends are mixed in, so that mutations have something to
 * start from and the store has state to keep.
 */
public final class Requests {
  /** A request: what it is (for reports), its bytes, and whether it is garbage (own connection). */
  public record Request(String kind, String summary, byte[] bytes, boolean garbage) {}

  private static final String[] METHODS = {
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "BREW", "get", "PROPFIND"
  };
  private static final String[] NAMES = {
    ".",
    "..",
    "%2e%2e",
    "$all",
    "$nodes",
    "a%20b",
    "%C3%A9t%C3%A9",
    "a%2Fb",
    "%00",
    "-",
    ":",
    "_",
    "x%FF",
    "%ED%A0%80",
    "%C0%AF",
    "a..b",
    "%F0%9F%98%80",
    "a-b-c",
    "A:B.c_d-1"
  };
  private static final String[] NUMBERS = {
    "0",
    "1",
    "-1",
    "2",
    "99",
    "1000",
    "1001",
    "9223372036854775807",
    "9223372036854775808",
    "1e3",
    " 1",
    "1 ",
    "",
    "%EF%BC%91",
    "%D9%A3",
    "0x10",
    "01",
    "+1",
    "1.0",
    "NaN",
    "%00",
    "100000000000000000000"
  };
  private static final String[] PARAMS = {
    "from",
    "limit",
    "direction",
    "excludeInvalidated",
    "type",
    "after",
    "waitFor",
    "timeout",
    "limt",
    "x",
    "",
    "from[]",
    "%66rom"
  };
  private static final String[] WORDS = {
    "forward",
    "backward",
    "sideways",
    "true",
    "false",
    "maybe",
    "1ms",
    "200ms",
    "1s",
    "31s",
    "1h",
    "AAAA",
    "eyJ9",
    "_-_",
    "%ZZ",
    "a,b,c",
    "Opened",
    "%2C%2C"
  };
  private static final String[] CONTENT_TYPES = {
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin1",
    "text/plain",
    "application/x-ndjson",
    "application/problem+json",
    "*/*",
    "application/jsonx",
    "",
    "multipart/form-data; boundary=x"
  };

  private final Random r;
  private final List<String> streams;
  private final Bodies bodies;

  /** {@code streams}: the stream names valid requests write to. */
  public Requests(Random r, List<String> streams) {
    this.r = r;
    this.streams = streams;
    this.bodies = new Bodies(r, this::stream);
  }

  public Request next() {
    int roll = r.nextInt(100);
    if (roll < 12) {
      return append("valid-append", bodies.validAppend(), "application/json", null);
    }
    if (roll < 42) {
      return append(
          "mutated-append", bodies.mutate(bodies.validAppend()), contentType(0.85), ifMatch());
    }
    if (roll < 50) {
      return append("hostile-json", bodies.hostileJson(), contentType(0.9), null);
    }
    if (roll < 55) {
      return http(
          "POST", "/streams", bodies.multiWrite(), contentType(0.9), List.of(), "multi-write");
    }
    if (roll < 58) {
      return http(
          "POST",
          "/streams/" + stream() + "/transactions/" + pick(NUMBERS) + "/invalidate",
          r.nextBoolean()
              ? "{\"reason\":\"fuzz " + r.nextInt(9) + "\"}"
              : bodies.mutate(bodies.hostileJson()),
          contentType(0.9),
          List.of(),
          "invalidate");
    }
    if (roll < 60) {
      String ndjson =
          bodies.validAppend()
              + "\n"
              + bodies.mutate(bodies.validAppend())
              + "\n"
              + bodies.validAppend()
              + "\n";
      return http(
          "POST",
          "/streams/" + stream() + "/append-stream",
          ndjson,
          r.nextBoolean() ? "application/x-ndjson" : contentType(0.5),
          List.of(),
          "append-stream");
    }
    if (roll < 80) {
      return read();
    }
    if (roll < 88) {
      return oddRequest();
    }
    return garbage();
  }

  // ---- requests -------------------------------------------------------------------------------

  private Request append(String kind, String body, String contentType, String ifMatch) {
    List<String> headers = ifMatch == null ? List.of() : List.of("If-Match: " + ifMatch);
    return http("POST", "/streams/" + stream(), body, contentType, headers, kind);
  }

  private Request read() {
    String s = stream();
    String path =
        switch (r.nextInt(9)) {
          case 0 -> "/streams/" + s;
          case 1 -> "/streams/" + s + "/" + pick(NUMBERS);
          case 2 -> "/streams/" + s + "/surface";
          case 3 -> "/all";
          case 4 -> "/categories/" + (r.nextBoolean() ? "fz" : pick(NAMES));
          case 5 -> "/streams";
          case 6 -> "/streams/" + pick(NAMES);
          case 7 ->
              pick(
                  new String[] {
                    "/all/subscribe", "/categories/fz/subscribe", "/streams/" + s + "/subscribe"
                  });
          default ->
              pick(
                  new String[] {
                    "/metrics",
                    "/alive",
                    "/ready",
                    "/openapi.json",
                    "/nowhere",
                    "/streams/" + s + "/transactions"
                  });
        };
    StringBuilder q = new StringBuilder();
    int params = r.nextInt(4);
    for (int i = 0; i < params; i++) {
      String name = pick(PARAMS);
      String value =
          switch (name) {
            case "timeout" -> pick(new String[] {"1ms", "100ms", "1s", "31s", "1h", "-1s", "１s"});
            case "waitFor" -> pick(WORDS);
            default -> r.nextBoolean() ? pick(NUMBERS) : pick(WORDS);
          };
      q.append(i == 0 ? "?" : "&").append(name).append('=').append(value);
    }
    List<String> headers =
        r.nextInt(5) == 0
            ? List.of(
                pick(
                    new String[] {
                      "Last-Event-ID: " + pick(NUMBERS),
                      "If-None-Match: \"1\"",
                      "Accept: text/event-stream",
                      "Accept: application/xml"
                    }))
            : List.of();
    return http("GET", path + q, null, null, headers, "read");
  }

  private Request oddRequest() {
    String method = pick(METHODS);
    String path =
        switch (r.nextInt(5)) {
          case 0 -> "/streams/" + pick(NAMES);
          case 1 -> "/streams/" + "n".repeat(190 + r.nextInt(30));
          case 2 -> "/" + "p/".repeat(r.nextInt(2000));
          case 3 -> "/streams/" + stream() + "?" + "a=1&".repeat(r.nextInt(500));
          default -> "/streams/" + stream();
        };
    List<String> headers =
        switch (r.nextInt(5)) {
          case 0 ->
              java.util.stream.IntStream.range(0, 50 + r.nextInt(100))
                  .mapToObj(i -> "X-H" + i + ": v")
                  .toList();
          case 1 -> List.of("X-Big: " + "v".repeat(r.nextInt(20_000)));
          case 2 -> List.of("Expect: 100-continue");
          case 3 -> List.of("If-Match: " + ifMatchJunk());
          default -> List.of();
        };
    String body = r.nextBoolean() ? bodies.validAppend() : null;
    return http(method, path, body, contentType(0.7), headers, "odd-request");
  }

  private Request garbage() {
    String s = stream();
    String text =
        switch (r.nextInt(12)) {
          case 0 -> "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
          case 1 -> "GET /streams/" + s + " HTTP/2.0\r\nHost: x\r\n\r\n";
          case 2 -> "GET /streams/" + s + " HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n";
          case 3 ->
              "POST /streams/"
                  + s
                  + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{\"a\":1}";
          case 4 ->
              "POST /streams/"
                  + s
                  + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n";
          case 5 -> "GET /streams/" + s + "\u00e9\u0000 HTTP/1.1\r\nHost: x\r\n\r\n";
          case 6 -> "GET " + "/a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n";
          case 7 ->
              "POST /streams/"
                  + s
                  + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n";
          case 8 -> "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003";
          case 9 -> "GET / HTTP/1.1\r\nHost: x\r\n" + "X: y\r\n".repeat(200) + "\r\n";
          case 10 -> "GET /alive HTTP/1.1\nHost: x\n\n";
          default -> null;
        };
    byte[] bytes;
    if (text == null) {
      bytes = new byte[1 + r.nextInt(2000)];
      r.nextBytes(bytes);
    } else {
      bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    }
    return new Request("garbage", summary(bytes), bytes, true);
  }

  private Request http(
      String method,
      String target,
      String body,
      String contentType,
      List<String> headers,
      String kind) {
    StringBuilder head =
        new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: fuzz\r\n");
    if (contentType != null && !contentType.isEmpty()) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
    }
    for (String h : headers) {
      head.append(h).append("\r\n");
    }
    byte[] bodyBytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.ISO_8859_1);
    if (body != null) {
      head.append("Content-Length: ").append(bodyBytes.length).append("\r\n");
    }
    head.append("\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    out.writeBytes(bodyBytes);
    byte[] bytes = out.toByteArray();
    return new Request(kind, summary(bytes), bytes, false);
  }

  private String stream() {
    return r.nextInt(20) == 0 ? pick(NAMES) : streams.get(r.nextInt(streams.size()));
  }

  private String contentType(double json) {
    return r.nextDouble() < json ? "application/json" : pick(CONTENT_TYPES);
  }

  private String ifMatch() {
    return r.nextInt(6) == 0
        ? (r.nextBoolean() ? "\"" + r.nextInt(4) + "\"" : ifMatchJunk())
        : null;
  }

  private String ifMatchJunk() {
    return pick(
        new String[] {"*", "3", "\"-1\"", "W/\"1\"", "\"１\"", "\"99999999999999999999\"", ""});
  }

  private String pick(String[] options) {
    return options[r.nextInt(options.length)];
  }

  private static String summary(byte[] bytes) {
    String s = new String(bytes, 0, Math.min(bytes.length, 240), StandardCharsets.ISO_8859_1);
    return s.replace("\r", "\\r").replace("\n", "\\n")
        + (bytes.length > 240 ? "… (" + bytes.length + " bytes)" : "");
  }
}
