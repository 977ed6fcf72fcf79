package io.annals.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * Appends over one streaming request ({@code POST /streams/{s}/append-stream}), from a raw socket
 * so the client costs little: one event per NDJSON line, at most {@code inFlight} lines unanswered
 * (closed loop), lines written as soon as a slot frees (several per chunk when several are free).
 * Latency is per line, from its write to its answer line.
 */
final class StreamingAppends {
  private StreamingAppends() {}

  static Result run(String base, String stream, int inFlight, Duration warmUp, Duration window)
      throws Exception {
    byte[] line =
        ("{\"events\":" + HttpAppends.events(1, null) + "}\n").getBytes(StandardCharsets.UTF_8);
    URI uri = URI.create(base);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /streams/"
                  + stream
                  + "/append-stream HTTP/1.1\r\nHost: bench\r\n"
                  + "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Semaphore slots = new Semaphore(inFlight);
      ConcurrentLinkedQueue<Long> sent = new ConcurrentLinkedQueue<>();
      AtomicBoolean measuring = new AtomicBoolean();
      AtomicBoolean done = new AtomicBoolean();
      AtomicLong answered = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      Recorder latencies = new Recorder(3);
      Thread reader =
          new Thread(
              () -> readAnswers(socket, sent, slots, measuring, answered, failed, latencies, done),
              "streaming-answers");
      reader.start();
      long warmEnd = System.nanoTime() + warmUp.toNanos();
      long end = warmEnd + window.toNanos();
      while (System.nanoTime() < end) {
        if (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        int n = 1 + slots.drainPermits();
        if (!measuring.get() && System.nanoTime() >= warmEnd) {
          measuring.set(true);
        }
        out.write(
            (Integer.toHexString(line.length * n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) {
          out.write(line);
          sent.add(now);
        }
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      measuring.set(false);
      done.set(true);
      socket.close();
      reader.join(TimeUnit.SECONDS.toMillis(10));
      return Result.of(
          answered.get(), window.toNanos() / 1e9, latencies.getIntervalHistogram(), failed.get());
    }
  }

  /** Decodes the chunked NDJSON answers; each line frees a slot and ends the oldest latency. */
  private static void readAnswers(
      Socket socket,
      ConcurrentLinkedQueue<Long> sent,
      Semaphore slots,
      AtomicBoolean measuring,
      AtomicLong answered,
      AtomicLong failed,
      Recorder latencies,
      AtomicBoolean done) {
    try {
      InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
      String status = readLine(in);
      if (!status.contains(" 200 ")) {
        throw new IllegalStateException("append-stream answered " + status);
      }
      while (!readLine(in).isEmpty()) {
        // headers
      }
      StringBuilder answer = new StringBuilder();
      while (true) {
        int size = Integer.parseInt(readLine(in).trim(), 16);
        if (size == 0) {
          return;
        }
        for (int i = 0; i < size; i++) {
          int b = in.read();
          if (b < 0) {
            return;
          }
          if (b != '\n') {
            answer.append((char) b);
            continue;
          }
          long took = System.nanoTime() - sent.poll();
          if (measuring.get()) {
            if (answer.indexOf("\"status\":201") >= 0) {
              answered.incrementAndGet();
              latencies.recordValue(took);
            } else {
              failed.incrementAndGet();
            }
          }
          answer.setLength(0);
          slots.release();
        }
        readLine(in);
      }
    } catch (IOException | RuntimeException e) {
      if (!done.get()) {
        System.err.println("streaming answers ended: " + e);
      }
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }
}
