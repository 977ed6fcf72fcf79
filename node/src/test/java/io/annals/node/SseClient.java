package io.annals.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent-Events subscriber for tests: parses the wire format itself (so it can check what a
 * browser would see) on a thread of its own. {@link #take} hands over messages; a subscriber that
 * does not take reads nothing more from the socket once its small queue is full, so the server sees
 * real TCP backpressure.
 */
final class SseClient implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One message; {@code retry} is set on a retry-only message, {@code comment} on a heartbeat. */
  record Message(String id, String event, String data, String retry, boolean comment) {}

  private final BlockingQueue<Message> messages;
  private final InputStream body;
  private final Thread reader;
  private final int status;
  private final String contentType;
  private volatile Throwable failure;

  /** Subscribes to {@code url}; {@code queue} bounds how many parsed messages wait to be taken. */
  SseClient(String url, String lastEventId, int queue, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> response =
        HTTP.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    this.status = response.statusCode();
    this.contentType = response.headers().firstValue("Content-Type").orElse("");
    this.body = response.body();
    this.messages = new LinkedBlockingQueue<>(queue);
    this.reader = new Thread(this::read, "sse-" + url);
    reader.setDaemon(true);
    reader.start();
  }

  SseClient(String url) throws IOException, InterruptedException {
    this(url, null, 100_000);
  }

  int status() {
    return status;
  }

  /** Whether the server ended the response (the reader saw its end). */
  boolean ended() {
    return !reader.isAlive();
  }

  String contentType() {
    return contentType;
  }

  private void read() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 512)) {
      String id = null;
      String event = null;
      String retry = null;
      StringBuilder data = null;
      boolean comment = false;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isEmpty()) {
          if (id != null || event != null || data != null || retry != null || comment) {
            messages.put(
                new Message(id, event, data == null ? null : data.toString(), retry, comment));
          }
          id = event = retry = null;
          data = null;
          comment = false;
        } else if (line.startsWith(":")) {
          comment = true;
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("retry: ")) {
          retry = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = data == null ? new StringBuilder() : data.append('\n');
          data.append(line.substring(6));
        } else {
          throw new IllegalStateException("not an SSE line: " + line);
        }
      }
    } catch (IOException | InterruptedException e) {
      // closed by the test
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  /** The next message, or null after {@code timeout}. */
  Message take(Duration timeout) throws InterruptedException {
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
    return messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next {@code n} event messages (skipping heartbeats), failing after {@code timeout}. */
  List<Message> events(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Message> out = new ArrayList<>(n);
    while (out.size() < n) {
      long left = deadline - System.nanoTime();
      Message m = left > 0 ? take(Duration.ofNanos(left)) : null;
      if (m == null) {
        throw new AssertionError("got " + out.size() + " of " + n + " events in " + timeout);
      }
      if (m.data() != null) {
        out.add(m);
      }
    }
    return out;
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException e) {
      // already closed
    }
    reader.interrupt();
  }
}
