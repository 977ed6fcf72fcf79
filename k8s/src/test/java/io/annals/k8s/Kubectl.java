package io.annals.k8s;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the kubectl on the PATH: {@code kubectl kustomize dir} renders a Kustomize directory the way
 * {@code kubectl apply -k} would. Without kubectl the checks fail, or are skipped when {@code
 * ANNALS_SKIP_KUBECTL=1}.
 */
final class Kubectl {
  static final String SKIP_VARIABLE = "ANNALS_SKIP_KUBECTL";
  private final Path executable;

  private Kubectl(Path executable) {
    this.executable = executable;
  }

  /** The kubectl on the PATH; fails (or aborts the tests, see the class comment) without one. */
  static Kubectl onPath() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "kubectl");
      if (Files.isExecutable(candidate)) {
        return new Kubectl(candidate);
      }
    }
    String missing = "kubectl is not on the PATH (" + path + ")";
    if ("1".equals(System.getenv(SKIP_VARIABLE))) {
      Assumptions.abort(missing + " and " + SKIP_VARIABLE + "=1: the manifest checks are skipped");
    }
    return fail(
        missing
            + ": install Debian's kubernetes-client (apt-get install -y kubernetes-client), or set "
            + SKIP_VARIABLE
            + "=1 to skip these checks");
  }

  /** The YAML that {@code kubectl kustomize dir} prints (its warnings on stderr are dropped). */
  String kustomize(Path dir) {
    return run("kustomize", dir.toString());
  }

  String version() {
    return run("version", "--client").trim();
  }

  /** kubectl's standard output; fails with its standard error when it exits with an error. */
  private String run(String... args) {
    List<String> command = new ArrayList<>(List.of(executable.toString()));
    command.addAll(List.of(args));
    try {
      Path errors = Files.createTempFile("kubectl", ".err");
      try {
        Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          return fail(String.join(" ", command) + " did not finish within 2 minutes");
        }
        if (process.exitValue() != 0) {
          return fail(
              String.join(" ", command)
                  + " exited with "
                  + process.exitValue()
                  + ":\n"
                  + Files.readString(errors));
        }
        return out;
      } finally {
        Files.deleteIfExists(errors);
      }
    } catch (IOException e) {
      return fail("could not run " + String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted while running " + String.join(" ", command), e);
    }
  }
}
