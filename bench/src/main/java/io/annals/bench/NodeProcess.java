package io.annals.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Annals node in a JVM of its own ({@code annals-node.jar run}) against a given Cassandra, with
 * its CPU time and heap readable from outside (the load generator must not share its process).
 */
final class NodeProcess implements AutoCloseable {
  private final Process process;
  final int httpPort;

  private NodeProcess(Process process, int httpPort) {
    this.process = process;
    this.httpPort = httpPort;
  }

  static NodeProcess start(Path jar, String contactPoint, String keyspace, List<String> extraFlags)
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Xms1g"));
    cmd.addAll(
        List.of(
            "-Dpekko.remote.artery.canonical.port=0",
            "-Dpekko.management.http.port=0",
            "-Dpekko.loglevel=WARNING"));
    cmd.addAll(extraFlags);
    cmd.addAll(List.of("-jar", jar.toString(), "run"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ANNALS_CASSANDRA_CONTACT_POINTS", contactPoint);
    pb.environment().put("ANNALS_HTTP_PORT", Integer.toString(port));
    pb.environment().put("ANNALS_JOIN_SELF", "on");
    pb.environment().put("ANNALS_JOURNAL_KEYSPACE", keyspace);
    pb.environment().put("ANNALS_SNAPSHOT_KEYSPACE", keyspace + "_snapshot");
    Process p = pb.start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) {
                  if (line.startsWith("Annals ready")) {
                    ready.complete(null);
                  } else if (line.contains("ERROR") || line.contains("could not start")) {
                    System.err.println("[node] " + line);
                  }
                }
              } catch (IOException ignored) {
                // the process ended
              }
              ready.completeExceptionally(
                  new IllegalStateException("node exited before it was ready"));
            },
            "node-output");
    pump.setDaemon(true);
    pump.start();
    ready.get(3, TimeUnit.MINUTES);
    return new NodeProcess(p, port);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  long pid() {
    return process.pid();
  }

  /** CPU time (user + system) the node process has used so far. */
  Duration cpu() {
    return process.toHandle().info().totalCpuDuration().orElseThrow();
  }

  /** Heap in use after a full GC, in MiB, read with jcmd. */
  double heapAfterGcMiB() throws Exception {
    jcmd("GC.run");
    String info = jcmd("GC.heap_info");
    Matcher m = Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("cannot read heap from: " + info);
    }
    return Long.parseLong(m.group(2)) / 1024.0;
  }

  /** Runs {@code jcmd <node pid> <command>} and returns what it printed. */
  String jcmd(String command) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
