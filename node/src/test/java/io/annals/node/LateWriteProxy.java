package io.annals.node;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy on loopback between a node and Cassandra that delays one request: the first CQL frame
 * (native protocol v4: a 9-byte header with the body length) from the node that contains the armed
 * marker bytes is held for a while and then sent on, while every other frame passes at once. The
 * node's driver gives up on the held request (a timed-out journal write), and Cassandra applies it
 * later, with the write timestamp the driver gave it when it was sent: the late write of a stalled
 * network or a paused Cassandra, made deterministic.
 */
final class LateWriteProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress cassandra;
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicReference<Armed> armed = new AtomicReference<>();

  private record Armed(byte[] marker, Duration delay, CountDownLatch held, CountDownLatch sent) {}

  LateWriteProxy(String cassandraContactPoint) throws IOException {
    String[] hostPort = cassandraContactPoint.split(":");
    this.cassandra = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "late-write-proxy");
    accept.setDaemon(true);
    accept.start();
  }

  /** "host:port" for the node's driver. */
  String contactPoint() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** The next frame containing {@code marker} is held for {@code delay}, then sent on. */
  Delayed delayNext(String marker, Duration delay) {
    Armed a =
        new Armed(
            marker.getBytes(StandardCharsets.UTF_8),
            delay,
            new CountDownLatch(1),
            new CountDownLatch(1));
    armed.set(a);
    return new Delayed(a);
  }

  /** What became of the armed frame. */
  static final class Delayed {
    private final Armed armed;

    private Delayed(Armed armed) {
      this.armed = armed;
    }

    boolean awaitHeld(Duration timeout) throws InterruptedException {
      return armed.held().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until Cassandra has been sent the held frame. */
    boolean awaitSent(Duration timeout) throws InterruptedException {
      return armed.sent().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(cassandra.getAddress(), cassandra.getPort());
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        start(() -> frames(client, upstream));
        start(() -> copy(upstream, client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void start(Runnable task) {
    Thread t = new Thread(task, "late-write-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  /** Node to Cassandra, frame by frame; the armed frame goes later, the others at once. */
  private void frames(Socket client, Socket upstream) {
    try (DataInputStream in = new DataInputStream(client.getInputStream())) {
      OutputStream out = upstream.getOutputStream();
      while (true) {
        byte[] header = new byte[9];
        in.readFully(header);
        int length =
            ((header[5] & 0xff) << 24)
                | ((header[6] & 0xff) << 16)
                | ((header[7] & 0xff) << 8)
                | (header[8] & 0xff);
        byte[] frame = new byte[9 + length];
        System.arraycopy(header, 0, frame, 0, 9);
        in.readFully(frame, 9, length);
        Armed a = armed.get();
        if (a != null && contains(frame, a.marker()) && armed.compareAndSet(a, null)) {
          a.held().countDown();
          later.schedule(
              () -> {
                send(out, frame);
                a.sent().countDown();
              },
              a.delay().toMillis(),
              TimeUnit.MILLISECONDS);
        } else {
          send(out, frame);
        }
      }
    } catch (IOException e) {
      close(client, upstream);
    }
  }

  private static void send(OutputStream out, byte[] frame) {
    synchronized (out) {
      try {
        out.write(frame);
        out.flush();
      } catch (IOException e) {
        // the connection is gone; its reader closes both ends
      }
    }
  }

  private void copy(Socket from, Socket to) {
    try (InputStream in = from.getInputStream()) {
      in.transferTo(to.getOutputStream());
    } catch (IOException e) {
      // closed
    } finally {
      close(from, to);
    }
  }

  private static void close(Socket a, Socket b) {
    try {
      a.close();
      b.close();
    } catch (IOException e) {
      // already closed
    }
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    later.shutdownNow();
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
