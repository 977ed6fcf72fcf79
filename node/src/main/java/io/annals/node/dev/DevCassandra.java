package io.annals.node.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Cassandra 5.0 server in a forked JVM, owning one data directory. It locks the data
 * directory (a second dev node on it fails fast), keeps its ports in the data directory so a
 * restart finds the same node again, writes a minimal single-node cassandra.yaml, waits until CQL
 * answers, and stops the fork on {@link #close()} and on JVM exit.
 */
public final class DevCassandra implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevCassandra.class);
  private static final List<String> JDK17_FLAGS =
      List.of(
          "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
          "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
          "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
          "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
          "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
          "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
          "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
          "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
          "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
          "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
          "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
          "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens", "java.base/java.io=ALL-UNNAMED",
          "--add-opens", "java.base/java.nio=ALL-UNNAMED",
          "--add-opens", "java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens", "java.base/java.util=ALL-UNNAMED",
          "--add-opens", "java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens", "java.base/java.lang=ALL-UNNAMED",
          "--add-opens", "java.base/java.math=ALL-UNNAMED",
          "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens", "java.base/java.net=ALL-UNNAMED");

  /**
   * How the forked server is set up; {@code cqlPort} 0 means a free port (kept across restarts).
   * {@code commitLogSync}: {@code group} (2 ms window), {@code group:<N>ms}, {@code batch} or
   * {@code periodic} (see {@link #commitLogYaml}). {@code security}: TLS-only CQL with logins
   * ({@link ClientSecurity}), or null for neither (dev mode).
   */
  public record Options(
      Path dataDir,
      Path cassandraLib,
      int cqlPort,
      String heap,
      String commitLogSync,
      Duration startTimeout,
      ClientSecurity security) {

    public Options {
      commitLogYaml(commitLogSync); // fails at once on an unknown mode
    }

    /** Without client security (dev mode): no login, no TLS. */
    public Options(
        Path dataDir,
        Path cassandraLib,
        int cqlPort,
        String heap,
        String commitLogSync,
        Duration startTimeout) {
      this(dataDir, cassandraLib, cqlPort, heap, commitLogSync, startTimeout, null);
    }
  }

  /**
   * The cassandra.yaml lines of a commit-log mode. group: a write is acknowledged only once its
   * commit-log segment is fsynced, and a window (2 ms unless given) groups concurrent writes into
   * one fsync; batch: fsync at once after each write, concurrent writes share the fsync in
   * progress; periodic: acknowledge at once, fsync every 10 s (faster, weaker: a machine crash can
   * lose 10 s).
   */
  static String commitLogYaml(String mode) {
    if (mode.equals("group")) {
      return commitLogYaml("group:2ms");
    }
    if (mode.matches("group:\\d+ms")) {
      return "commitlog_sync: group\ncommitlog_sync_group_window: " + mode.substring(6) + "\n";
    }
    return switch (mode) {
      case "batch" -> "commitlog_sync: batch\n";
      case "periodic" -> "commitlog_sync: periodic\ncommitlog_sync_period: 10000ms\n";
      default ->
          throw new IllegalArgumentException(
              "commit-log sync must be group, group:<N>ms, batch or periodic, not " + mode);
    };
  }

  private final Options options;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final int cqlPort;
  private final int storagePort;
  private final int jmxPort;
  private Process process;
  private final Thread shutdownHook = new Thread(this::stopOnJvmExit, "dev-cassandra-stop");
  private volatile CompletionStage<?> holdUntil = CompletableFuture.completedFuture(null);
  private volatile Duration holdAtMost = Duration.ZERO;

  private DevCassandra(Options options, FileChannel lockChannel, FileLock lock, Properties ports) {
    this.options = options;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.cqlPort = Integer.parseInt(ports.getProperty("cql"));
    this.storagePort = Integer.parseInt(ports.getProperty("storage"));
    this.jmxPort = Integer.parseInt(ports.getProperty("jmx"));
  }

  /** Locks the data directory, forks Cassandra and returns once it answers CQL. */
  public static DevCassandra start(Options options) {
    Path dataDir = options.dataDir().toAbsolutePath();
    try {
      Files.createDirectories(dataDir);
      FileChannel channel =
          FileChannel.open(
              dataDir.resolve("annals.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = tryLock(channel);
      if (lock == null) {
        channel.close();
        throw new IllegalStateException(
            "data directory "
                + dataDir
                + " is in use by another Annals dev node; stop it or choose another --data-dir");
      }
      DevCassandra cassandra = new DevCassandra(options, channel, lock, ports(dataDir, options));
      cassandra.launch();
      return cassandra;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare Cassandra data directory " + dataDir, e);
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  public int cqlPort() {
    return cqlPort;
  }

  public String contactPoint() {
    return "127.0.0.1:" + cqlPort;
  }

  /** The process id of the forked server (to pause it in fault-injection tests, or wait for it). */
  public synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException("Cassandra was never started");
    }
    return process.pid();
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Starts the server again after {@link #stop()} (used by fault-injection tests). */
  public synchronized void restart() {
    if (!isRunning()) {
      launch();
    }
  }

  /** Stops the server but keeps the data directory locked, so {@link #restart()} can follow. */
  public synchronized void stop() {
    stopProcess();
  }

  @Override
  public synchronized void close() {
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or has run: nothing to remove
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      log.warn("could not release the data directory lock", e);
    }
  }

  /**
   * The folder holding Cassandra's server classpath: {@code configured} when set, else the
   * embedded-cassandra module's output found above the node's jar or classes in the source tree.
   */
  public static Path locateLib(String configured) {
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    try {
      Path here =
          Path.of(DevCassandra.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path p = here; p != null; p = p.getParent()) {
        Path lib = p.resolve("embedded-cassandra").resolve("target").resolve("lib");
        if (Files.isDirectory(lib)) {
          return lib;
        }
      }
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException(
        "Cassandra's classpath was not found: build the project first (mvn -q package -DskipTests)"
            + " or set annals.dev.cassandra-lib / ANNALS_CASSANDRA_LIB");
  }

  /** A Cassandra left running on this data directory by a node that was killed: stop it first. */
  private static void stopOrphan(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("cassandra.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    ProcessHandle.of(pid)
        .filter(
            p -> p.info().commandLine().orElse("").contains("-Dcassandra.storagedir=" + dataDir))
        .ifPresent(
            orphan -> {
              log.warn("Stopping Cassandra (pid {}) left running on {}", pid, dataDir);
              orphan.destroy();
              orphan.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> null).join();
              orphan.destroyForcibly();
            });
  }

  private synchronized void launch() {
    Path dataDir = options.dataDir().toAbsolutePath();
    try {
      stopOrphan(dataDir);
      Path yaml = writeYaml(dataDir);
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xms" + options.heap());
      command.add("-Xmx" + options.heap());
      command.add("-XX:+UseG1GC");
      command.addAll(JDK17_FLAGS);
      command.add("-Dcassandra.config=" + yaml.toUri());
      command.add("-Dcassandra-foreground=yes");
      command.add("-Dcassandra.storagedir=" + dataDir);
      command.add("-Dcassandra.jmx.local.port=" + jmxPort);
      command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
      command.add("-Dcassandra.superuser_setup_delay_ms=0");
      command.add("-Dcassandra.logdir=" + dataDir.resolve("logs"));
      command.add("-cp");
      command.add(options.cassandraLib().toAbsolutePath() + "/*");
      command.add("org.apache.cassandra.service.CassandraDaemon");
      if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
        // a session of its own: Ctrl-C in the terminal reaches the node, which stops Cassandra
        // after draining, instead of both at once
        command.add(0, "/usr/bin/setsid");
      }
      Path logFile = dataDir.resolve("cassandra.log");
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .start();
      Files.writeString(dataDir.resolve("cassandra.pid"), Long.toString(process.pid()));
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
      Runtime.getRuntime().addShutdownHook(shutdownHook);
      log.info(
          "Started Cassandra (pid {}) on CQL port {}, log {}", process.pid(), cqlPort, logFile);
      awaitCql(logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Cassandra", e);
    } catch (IllegalArgumentException e) {
      // removeShutdownHook on a hook never added
      throw new IllegalStateException(e);
    }
  }

  private void awaitCql(Path logFile) {
    long deadline = System.nanoTime() + options.startTimeout().toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Cassandra exited with code "
                + process.exitValue()
                + " during start-up; see "
                + logFile);
      }
      if (answers(cqlPort)) {
        log.info("Cassandra answers CQL on 127.0.0.1:{}", cqlPort);
        return;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Cassandra", e);
      }
    }
    stopProcess();
    throw new IllegalStateException(
        "Cassandra did not answer CQL within " + options.startTimeout() + "; see " + logFile);
  }

  private static boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * On JVM exit (SIGTERM, Ctrl-C), stop Cassandra only once {@code done} completes (the node has
   * drained its requests and left the cluster), or after {@code atMost}: the JVM runs every
   * shutdown hook at once, and the node's CoordinatedShutdown needs its journal until the end.
   */
  public void holdShutdownUntil(CompletionStage<?> done, Duration atMost) {
    holdUntil = done;
    holdAtMost = atMost;
  }

  private void stopOnJvmExit() {
    try {
      holdUntil.toCompletableFuture().get(holdAtMost.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception notDoneInTime) {
      log.warn(
          "Stopping Cassandra before the node finished stopping: {}", notDoneInTime.toString());
    }
    stopProcess();
  }

  private synchronized void stopProcess() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    log.info("Cassandra (pid {}) stopped", p.pid());
  }

  private Path writeYaml(Path dataDir) throws IOException {
    Path conf = Files.createDirectories(dataDir.resolve("conf"));
    Path yaml = conf.resolve("cassandra.yaml");
    String commitLog = commitLogYaml(options.commitLogSync());
    String text =
        """
        cluster_name: annals-dev
        num_tokens: 1
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        data_file_directories: [%1$s/data]
        commitlog_directory: %1$s/commitlog
        saved_caches_directory: %1$s/saved_caches
        hints_directory: %1$s/hints
        cdc_raw_directory: %1$s/cdc
        %2$s\
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: "127.0.0.1:%3$d"
        listen_address: 127.0.0.1
        storage_port: %3$d
        rpc_address: 127.0.0.1
        native_transport_port: %4$d
        start_native_transport: true
        endpoint_snitch: SimpleSnitch
        %5$s\
        auto_snapshot: false
        # direct I/O for the commit log where the file system supports it (else Cassandra's legacy
        # memory-mapped segments): no msync, fadvise or page faults per group-commit fsync. One
        # stream, 64 appends in flight, group mode, three alternating rounds on 2 cores: +8 to
        # +24%% appends/s, 24 to 28%% less Cassandra CPU per append than the legacy default.
        commitlog_disk_access_mode: auto
        # an append is one batch to one partition; allow appends up to the node's body limit
        batch_size_warn_threshold: 1024KiB
        batch_size_fail_threshold: 4096KiB
        """
            .formatted(dataDir, commitLog, storagePort, cqlPort, security());
    Files.writeString(yaml, text);
    return yaml;
  }

  private String security() {
    return options.security() == null
        ? "authenticator: AllowAllAuthenticator\nauthorizer: AllowAllAuthorizer\n"
        : options.security().yaml();
  }

  /** The ports this data directory used before, if they are still free; new free ones otherwise. */
  private static Properties ports(Path dataDir, Options options) throws IOException {
    Path file = dataDir.resolve("ports.properties");
    Properties ports = new Properties();
    if (Files.exists(file)) {
      try (var in = Files.newInputStream(file)) {
        ports.load(in);
      }
    }
    int wantedCql = options.cqlPort() != 0 ? options.cqlPort() : intOr(ports, "cql", 0);
    ports.setProperty("cql", Integer.toString(freeOr(wantedCql)));
    ports.setProperty("storage", Integer.toString(freeOr(intOr(ports, "storage", 0))));
    ports.setProperty("jmx", Integer.toString(freeOr(intOr(ports, "jmx", 0))));
    try (var out = Files.newOutputStream(file)) {
      ports.store(out, "ports of the dev Cassandra owning this data directory");
    }
    return ports;
  }

  private static int intOr(Properties p, String key, int fallback) {
    String v = p.getProperty(key);
    return v == null ? fallback : Integer.parseInt(v);
  }

  /** {@code wanted} when it is free (or 0 → any free port). */
  static int freeOr(int wanted) throws IOException {
    if (wanted != 0) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress("127.0.0.1", wanted));
        return wanted;
      } catch (IOException inUse) {
        log.info("port {} is taken; choosing a free one", wanted);
      }
    }
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }
}
