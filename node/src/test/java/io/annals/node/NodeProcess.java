package io.annals.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Annals node as an operating-system process ({@code java -jar annals-node.jar run}) with an
 * environment file of cluster-config ({@code local-N.conf}), its output in a log file under {@code
 * target/}. {@link #kill()} is {@code kill -9}; {@link #terminate()} is SIGTERM and waits for the
 * graceful exit (CoordinatedShutdown).
 */
public final class NodeProcess {
  private static final Path JAR = Path.of("target/annals-node.jar");
  private final String configResource;
  private final Map<String, String> env;
  private final List<String> jvmOptions;
  private final Path log;
  private final int httpPort;
  private final int managementPort;
  private Process process;
  private Path currentLog;
  private int starts;

  public NodeProcess(
      String configResource, int httpPort, int managementPort, Map<String, String> env, Path log) {
    this(configResource, httpPort, managementPort, env, List.of(), log);
  }

  /** {@code jvmOptions} go before {@code -jar}, e.g. {@code -Dkey=value} overrides of config. */
  public NodeProcess(
      String configResource,
      int httpPort,
      int managementPort,
      Map<String, String> env,
      List<String> jvmOptions,
      Path log) {
    this.configResource = configResource;
    this.httpPort = httpPort;
    this.managementPort = managementPort;
    this.env = env;
    this.jvmOptions = jvmOptions;
    this.log = log;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  public String managementUrl() {
    return "http://127.0.0.1:" + managementPort;
  }

  /** The operating-system process id (for jcmd, /proc). */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Starts the process (it prints "Annals ready at …" once an append succeeded). */
  public void start() {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run mvn package first");
    }
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(
        List.of(
            "-Xmx384m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Dconfig.resource=" + configResource));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", JAR.toString(), "run"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    starts++;
    Path out = log.resolveSibling(log.getFileName() + "." + starts);
    builder.redirectOutput(out.toFile());
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    currentLog = out;
  }

  /** Waits until the node printed that it is ready; fails with its log's tail otherwise. */
  public void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (output().contains("Annals ready at")) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            configResource + " exited with " + process.exitValue() + ":\n" + tail());
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        configResource + " not ready after " + timeout + ":\n" + tail());
  }

  /** kill -9: no shutdown hook, no hand-off, sockets reset. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then waits for CoordinatedShutdown to finish; returns the exit code. */
  public int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException(configResource + " ignored SIGTERM:\n" + tail());
    }
    return process.exitValue();
  }

  public String output() {
    try {
      return currentLog == null || !Files.exists(currentLog) ? "" : Files.readString(currentLog);
    } catch (IOException e) {
      return "";
    }
  }

  public String tail() {
    String all = output();
    return all.substring(Math.max(0, all.length() - 4000));
  }

  @Override
  public String toString() {
    return configResource;
  }
}
