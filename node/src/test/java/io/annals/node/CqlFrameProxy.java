package io.annals.node;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A TCP proxy on loopback between a node and Cassandra that can hold single requests: every CQL
 * frame from the node (native protocol v4, a 9-byte header with the body length: start the node's
 * driver with protocol version V4) is shown to a {@code hold} policy, and sent on at once or, when
 * the policy names a duration, that much later, while the frames after it pass. The node's driver
 * gives up on a held request, and Cassandra applies it later with the write timestamp the driver
 * gave it when it was sent: the late write of a stalled network path or a paused Cassandra, made
 * deterministic. Answers from Cassandra pass untouched.
 */
public final class CqlFrameProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress cassandra;
  private final Function<byte[], Duration> hold;
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile Runnable sent = () -> {};

  /**
   * {@code hold} gets each frame from the node (header and body) and answers how long to hold it,
   * or null to send it at once; {@link #onSent} tells when a held one went on.
   */
  public CqlFrameProxy(String cassandraContactPoint, Function<byte[], Duration> hold)
      throws IOException {
    String[] hostPort = cassandraContactPoint.split(":");
    this.cassandra = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
    this.hold = hold;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "cql-frame-proxy");
    accept.setDaemon(true);
    accept.start();
  }

  /** "host:port" for the node's driver. */
  public String contactPoint() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Whether {@code frame} contains {@code bytes} (a marker in an event's data, say). */
  public static boolean contains(byte[] frame, byte[] bytes) {
    outer:
    for (int i = 0; i + bytes.length <= frame.length; i++) {
      for (int j = 0; j < bytes.length; j++) {
        if (frame[i + j] != bytes[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** {@code whenSent} runs each time a held frame has been sent on to Cassandra. */
  public void onSent(Runnable whenSent) {
    this.sent = whenSent;
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
    Thread t = new Thread(task, "cql-frame-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  /** Node to Cassandra, frame by frame; a held frame goes later, the others at once. */
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
        Duration delay = hold.apply(frame);
        if (delay != null) {
          later.schedule(
              () -> {
                send(out, frame);
                sent.run();
              },
              delay.toMillis(),
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

  @Override
  public void close() throws IOException {
    later.shutdownNow();
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
