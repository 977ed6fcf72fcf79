package io.annals.node.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte for byte as the fuzzer wrote it (java.net.http would refuse or
 * repair most of what it sends). Well-formed requests share a kept-alive connection; garbage goes
 * on a connection of its own, whose answers are read until the server closes it.
 */
public final class RawClient implements AutoCloseable {
  private static final int READ_TIMEOUT_MS = 20_000;
  private static final int MAX_BODY = 16 << 20;
  private final String host;
  private final int port;
  private Socket socket;
  private InputStream in;

  /** One answer: status (0 when none came), lower-case headers, body (empty for SSE). */
  public record Answer(int status, Map<String, String> headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public String header(String name) {
      return headers.get(name);
    }
  }

  public RawClient(String host, int port) {
    this.host = host;
    this.port = port;
  }

  /** Sends {@code request} on the kept-alive connection and reads one answer. */
  public Answer exchange(byte[] request) throws IOException {
    if (socket == null || socket.isClosed()) {
      open();
    }
    try {
      try {
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();
      } catch (IOException refusedEarly) {
        // the server may answer (413, 431) and close before it read all of the request
      }
      boolean head =
          request.length > 5
              && new String(request, 0, 5, StandardCharsets.US_ASCII).equals("HEAD ");
      Answer a = read(in, head);
      if (a.status() == 0
          || "close".equalsIgnoreCase(a.header("connection"))
          || a.header("content-type") != null
              && a.header("content-type").startsWith("text/event-stream")) {
        close();
      }
      return a;
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  /** Sends {@code garbage} on a connection of its own; every answer until the server closes it. */
  public List<Answer> garbage(byte[] garbage) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 5_000);
      // an answer comes at once; a server that waits longer waits for the rest of a request
      s.setSoTimeout(1_000);
      s.getOutputStream().write(garbage);
      s.getOutputStream().flush();
      InputStream input = s.getInputStream();
      List<Answer> answers = new ArrayList<>();
      try {
        while (answers.size() < 64) {
          Answer a = read(input, false);
          if (a.status() == 0) {
            break;
          }
          answers.add(a);
          if (a.header("content-type") != null
              && a.header("content-type").startsWith("text/event-stream")) {
            break;
          }
        }
      } catch (java.net.SocketTimeoutException | java.net.SocketException ended) {
        // the server waits for more (a partial request) or reset the connection: what came counts
      }
      return answers;
    }
  }

  private void open() throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), 5_000);
    socket.setSoTimeout(READ_TIMEOUT_MS);
    in = socket.getInputStream();
  }

  private static Answer read(InputStream in, boolean head) throws IOException {
    Answer a = readOne(in, head);
    while (a.status() == 100) { // Expect: 100-continue
      a = readOne(in, head);
    }
    return a;
  }

  private static Answer readOne(InputStream in, boolean head) throws IOException {
    String statusLine = line(in);
    if (statusLine == null) {
      return new Answer(0, Map.of(), new byte[0]);
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new HashMap<>();
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.putIfAbsent(
            h.substring(0, colon).trim().toLowerCase(), h.substring(colon + 1).trim());
      }
    }
    String type = headers.getOrDefault("content-type", "");
    if (type.startsWith("text/event-stream") || head) {
      return new Answer(status, headers, new byte[0]);
    }
    byte[] body;
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = chunked(in);
    } else if (headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
    } else if (status == 204 || status == 304 || status / 100 == 1) {
      body = new byte[0];
    } else {
      body = in.readNBytes(MAX_BODY); // until the server closes the connection
    }
    return new Answer(status, headers, body);
  }

  private static byte[] chunked(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      if (size == null) {
        throw new IOException("connection closed inside a chunked body");
      }
      int n = Integer.parseInt(size.split(";")[0].trim(), 16);
      if (n == 0) {
        for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
          // trailers are not used
        }
        return out.toByteArray();
      }
      out.write(in.readNBytes(n));
      line(in);
    }
  }

  /** A CRLF-terminated line without its CRLF; null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        byte[] bytes = out.toByteArray();
        int len =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      out.write(b);
      if (out.size() > 1 << 20) {
        throw new IOException("a line over 1 MiB");
      }
    }
    return out.size() == 0 ? null : out.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // closed already
      }
    }
    socket = null;
  }
}
