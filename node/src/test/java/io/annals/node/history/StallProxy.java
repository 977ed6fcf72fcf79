package io.annals.node.history;

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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback between one node and Cassandra that can stall the node's writes: for a
 * while, every CQL frame from the node that carries event data of the history (it holds {@link
 * #MARKER}) is held for some seconds and then sent on, while every other frame (reads, recovery)
 * passes at once. The node's driver gives up on the held writes and Cassandra applies them later,
 * after the stream may have recovered and written on: the late writes of a stalled network path. It
 * reads native protocol v4 frames (a 9-byte header with the body length), so the nodes are started
 * with protocol version V4.
 */
final class StallProxy implements AutoCloseable {
  /** Part of every event's data the clients send, and of nothing else. */
  static final String MARKER = "hx-stall";

  private static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.UTF_8);
  private final ServerSocket server;
  private final InetSocketAddress cassandra;
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicInteger held = new AtomicInteger();
  private volatile long stallUntil;
  private volatile Duration hold = Duration.ZERO;

  StallProxy(String cassandraContactPoint) throws IOException {
    String[] hostPort = cassandraContactPoint.split(":");
    this.cassandra = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "stall-proxy");
    accept.setDaemon(true);
    accept.start();
  }

  /** "host:port" for the node's driver. */
  String contactPoint() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** For {@code window} from now, hold each write of event data for {@code hold}. */
  void stall(Duration window, Duration hold) {
    this.hold = hold;
    this.stallUntil = System.nanoTime() + window.toNanos();
  }

  /** How many frames were held so far. */
  int held() {
    return held.get();
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
    Thread t = new Thread(task, "stall-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  /** Node to Cassandra, frame by frame. */
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
        if (System.nanoTime() < stallUntil && contains(frame, MARKER_BYTES)) {
          held.incrementAndGet();
          later.schedule(() -> send(out, frame), hold.toMillis(), TimeUnit.MILLISECONDS);
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
        // the connection is gone (the node was killed): the held write is lost with it
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
