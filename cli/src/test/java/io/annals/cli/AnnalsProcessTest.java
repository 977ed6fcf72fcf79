package io.annals.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code annals} as a process: main's exit codes and the environment variables that stand in for
 * {@code --url} and {@code --token} (CliIT runs the commands against a real node).
 */
class AnnalsProcessTest {
  record Result(int code, String out, String err) {}

  private static Result annals(String url, String... args)
      throws IOException, InterruptedException {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var command =
        new ArrayList<>(
            List.of(javaBin, "-cp", System.getProperty("java.class.path"), Annals.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("ANNALS_URL", url);
    pb.environment().remove("ANNALS_TOKEN");
    Process p = pb.start();
    p.getOutputStream().close();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "annals did not end");
    return new Result(
        p.exitValue(),
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void takesTheNodeFromAnnalsUrlAndExitsWithOneWhenItCannotBeReached() throws Exception {
    Result r = annals("http://127.0.0.1:1/", "streams");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("cannot reach http://127.0.0.1:1/"), r.err());
  }

  @Test
  void exitsWithTwoOnWrongUsage() throws Exception {
    Result r = annals("http://127.0.0.1:1/", "read", "order-1", "--all");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("exactly one of STREAM"), r.err());
  }
}
