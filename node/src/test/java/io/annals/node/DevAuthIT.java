package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * {@code java -jar annals-node.jar dev --auth}, as the README shows it: the node prints a dev admin
 * key once, refuses requests without a key, and the key makes further keys with narrower grants,
 * whose writes are recorded as theirs.
 */
class DevAuthIT {
  private static final Pattern READY = Pattern.compile("Annals ready at (http://[0-9.:]+)");
  private static final Pattern KEY = Pattern.compile("Dev admin key: (ak_[0-9a-f_]+)");

  @Test
  void devModeWithAuthPrintsAnAdminKeyAndRequiresKeys() throws Exception {
    Assumptions.assumeTrue(RealCassandra.externalNode().isEmpty(), "starts a node of its own");
    Path dir = Files.createTempDirectory("annals-it-dev-auth-");
    Path out = Files.createDirectories(Path.of("target")).resolve("dev-auth-it.log");
    Process dev = start(dir, out);
    try {
      String[] started = awaitKey(dev, out, Duration.ofMinutes(3));
      HttpJson anonymous = new HttpJson(started[0]);
      anonymous
          .post("/streams/dev-1", HttpJson.event("Said", "1"))
          .assertProblem(401, "unauthorized");
      String admin = "Bearer " + started[1];
      HttpJson.Response made =
          anonymous.post(
              "/keys",
              "{\"name\":\"writer\",\"grants\":[{\"action\":\"write\",\"on\":\"dev-\"}]}",
              "Authorization",
              admin);
      assertEquals(201, made.status(), made.raw());
      String writer = "Bearer " + made.body().path("key").asText();
      assertEquals(
          201,
          anonymous
              .post("/streams/dev-1", HttpJson.event("Said", "1"), "Authorization", writer)
              .status());
      anonymous.get("/streams/dev-1", "Authorization", writer).assertProblem(403, "forbidden");
      HttpJson.Response read = anonymous.get("/streams/dev-1", "Authorization", admin);
      assertEquals("key:writer", read.body().path("events").get(0).path("principal").asText());
      assertEquals(1, count(out, "Dev admin key: "), "the key is printed once");
    } finally {
      dev.destroy();
      if (!dev.waitFor(90, TimeUnit.SECONDS)) {
        dev.destroyForcibly();
      }
      Path pid = dir.resolve("cassandra.pid");
      if (Files.exists(pid)) {
        ProcessHandle.of(Long.parseLong(Files.readString(pid).trim()))
            .ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  private static Process start(Path dir, Path out) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx256m",
                    "-Dannals.dev.cassandra-heap=512m",
                    "-Dannals.dev.cql-port=0",
                    "-jar",
                    "target/annals-node.jar",
                    "dev",
                    "--auth",
                    "--http-port",
                    "0",
                    "--data-dir",
                    dir.toString()))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    String lib = System.getProperty("annals.cassandra-lib");
    if (lib != null && !lib.isBlank()) {
      builder.environment().put("ANNALS_CASSANDRA_LIB", lib);
    }
    return builder.start();
  }

  /** The node's base URL and the printed key, once both are out. */
  private static String[] awaitKey(Process p, Path out, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.readString(out);
      Matcher ready = READY.matcher(text);
      Matcher key = KEY.matcher(text);
      if (ready.find() && key.find()) {
        return new String[] {ready.group(1), key.group(1)};
      }
      assertTrue(p.isAlive(), () -> "dev mode exited:\n" + text);
      Thread.sleep(200);
    }
    throw new AssertionError("no dev admin key within " + timeout + ":\n" + Files.readString(out));
  }

  private static int count(Path out, String what) throws IOException {
    String text = Files.readString(out);
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
