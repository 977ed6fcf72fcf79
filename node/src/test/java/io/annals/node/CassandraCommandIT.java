package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar annals-node.jar cassandra}: dev mode's Cassandra alone, as a process of its own
 * for a local cluster. It says where it answers, a node runs on it, and SIGTERM (Ctrl-C) stops the
 * launcher and Cassandra with it.
 */
class CassandraCommandIT {
  private static final Pattern READY = Pattern.compile("Cassandra ready at (127\\.0\\.0\\.1:\\d+)");

  @Test
  void runsCassandraForNodesUntilStopped() throws Exception {
    Assumptions.assumeTrue(RealCassandra.externalNode().isEmpty(), "starts a Cassandra of its own");
    Path dir = Files.createTempDirectory("annals-it-cassandra-command-");
    Path out = Files.createDirectories(Path.of("target")).resolve("cassandra-command-it.log");
    Process launcher = start(dir, out);
    try {
      String contactPoint = awaitReady(launcher, out, Duration.ofMinutes(3));
      try (AnnalsNode node =
          AnnalsNode.start(
              RealCassandra.nodeConfig("cassandra_command_it", contactPoint),
              Duration.ofMinutes(2))) {
        HttpJson http = new HttpJson(node.baseUrl());
        assertEquals(201, http.post("/streams/command-1", HttpJson.event("Said", "1")).status());
        assertEquals(1, http.readAllPages("/streams/command-1").size());
      }
      long cassandra = Long.parseLong(Files.readString(dir.resolve("cassandra.pid")).trim());

      launcher.destroy();

      assertTrue(launcher.waitFor(90, TimeUnit.SECONDS), "the launcher exits on SIGTERM");
      assertFalse(
          ProcessHandle.of(cassandra).map(ProcessHandle::isAlive).orElse(false),
          "Cassandra stopped with the launcher");
      assertTrue(
          Files.readString(out).contains("Cassandra (pid " + cassandra + ") stopped"),
          () -> "stopped cleanly:\n" + tail(out));
    } finally {
      stopLeftovers(launcher, dir);
    }
  }

  private static Process start(Path dir, Path out) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx128m",
                    "-Dannals.dev.cassandra-heap=512m",
                    "-jar",
                    "target/annals-node.jar",
                    "cassandra",
                    "--data-dir",
                    dir.toString(),
                    "--cql-port",
                    "0"))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    String lib = System.getProperty("annals.cassandra-lib");
    if (lib != null && !lib.isBlank()) {
      builder.environment().put("ANNALS_CASSANDRA_LIB", lib);
    }
    return builder.start();
  }

  /** The contact point the launcher printed once Cassandra answered CQL. */
  private static String awaitReady(Process launcher, Path out, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = READY.matcher(Files.readString(out));
      if (m.find()) {
        return m.group(1);
      }
      assertTrue(launcher.isAlive(), () -> "the launcher exited:\n" + tail(out));
      Thread.sleep(250);
    }
    throw new AssertionError("no 'Cassandra ready' within " + timeout + ":\n" + tail(out));
  }

  /** After a failure: no launcher and no Cassandra left running. */
  private static void stopLeftovers(Process launcher, Path dir) throws Exception {
    if (launcher.isAlive()) {
      launcher.destroy();
      if (!launcher.waitFor(60, TimeUnit.SECONDS)) {
        launcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    Path pid = dir.resolve("cassandra.pid");
    if (Files.exists(pid)) {
      ProcessHandle.of(Long.parseLong(Files.readString(pid).trim()))
          .filter(p -> p.info().commandLine().orElse("").contains("CassandraDaemon"))
          .ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private static String tail(Path out) {
    try {
      String all = Files.readString(out);
      return all.substring(Math.max(0, all.length() - 3000));
    } catch (IOException e) {
      return e.toString();
    }
  }
}
