package io.annals.node.history;

import io.annals.node.NodeProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Injects faults on a schedule while the clients run: a pause of Cassandra with SIGSTOP for 3–10 s
 * (the first at least 6 s: longer than the journal's 5 s call-timeout, so writes time out while
 * Cassandra still holds them), {@code kill -9} of a random node (restarted at once), stalled writes
 * of a random node (for 5 s its writes of event data reach Cassandra 6–10 s late, through its
 * {@link StallProxy}, while its reads pass: the late write after the stream recovered), and SIGTERM
 * of a random node (restarted once it has left). Faults are spread evenly over the run in that
 * order, and each waits until the previous one has healed (all three nodes Up), so the cluster
 * never loses its majority.
 */
final class Nemesis implements Runnable {
  enum Kind {
    PAUSE,
    KILL,
    STALL,
    TERM
  }

  /**
   * One fault: when it started ({@code System.nanoTime()}), how long the fault itself lasted, when
   * the cluster was whole again, and for a kill the shards the victim hosted just before.
   */
  record Fault(
      Kind kind,
      String target,
      long startNanos,
      long faultMillis,
      long healedNanos,
      Set<String> victimShards,
      String note) {}

  private static final Kind[] ORDER = {Kind.PAUSE, Kind.KILL, Kind.STALL, Kind.TERM};
  private final Cluster cluster;
  private final long cassandraPid;
  private final Random random;
  private final long startNanos;
  private final Duration duration;
  private final int faults;
  private final List<Fault> done = new CopyOnWriteArrayList<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();

  Nemesis(
      Cluster cluster,
      long cassandraPid,
      long seed,
      long startNanos,
      Duration duration,
      int faults) {
    this.cluster = cluster;
    this.cassandraPid = cassandraPid;
    this.random = new Random(seed);
    this.startNanos = startNanos;
    this.duration = duration;
    this.faults = faults;
  }

  List<Fault> faults() {
    return done;
  }

  /** Faults that could not be injected or healed (a node that would not start again, …). */
  List<String> errors() {
    return errors;
  }

  @Override
  public void run() {
    for (int i = 0; i < faults; i++) {
      long at = startNanos + duration.toNanos() * (i + 1) / (faults + 1);
      try {
        long wait = at - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        Kind kind = ORDER[i % ORDER.length];
        done.add(
            switch (kind) {
              case PAUSE -> pause(i == 0 ? 6 + random.nextInt(5) : 3 + random.nextInt(8));
              case KILL -> kill(random.nextInt(3));
              case STALL -> stall(random.nextInt(3), 6 + random.nextInt(5));
              case TERM -> term(random.nextInt(3));
            });
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        errors.add("fault " + i + ": " + e);
        try {
          cluster.ensureAllUp();
        } catch (InterruptedException | RuntimeException again) {
          errors.add("cluster did not heal after fault " + i + ": " + again);
          return;
        }
      }
    }
  }

  private Fault pause(int seconds) throws InterruptedException {
    long start = System.nanoTime();
    signal("-STOP");
    try {
      TimeUnit.SECONDS.sleep(seconds);
    } finally {
      // continue Cassandra even when this thread is interrupted (and keep the interrupt)
      boolean interrupted = Thread.interrupted();
      signal("-CONT");
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    long paused = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return new Fault(
        Kind.PAUSE,
        "cassandra (pid " + cassandraPid + ")",
        start,
        paused,
        System.nanoTime(),
        Set.of(),
        "SIGSTOP for " + seconds + " s");
  }

  /** For 5 s, the node's writes of event data reach Cassandra only {@code seconds} later. */
  private Fault stall(int i, int seconds) throws InterruptedException {
    StallProxy proxy = cluster.proxy(i);
    int before = proxy.held();
    long start = System.nanoTime();
    proxy.stall(Duration.ofSeconds(5), Duration.ofSeconds(seconds));
    // until every held write has been sent on
    TimeUnit.SECONDS.sleep(5 + seconds + 1);
    return new Fault(
        Kind.STALL,
        cluster.nodes().get(i).toString(),
        start,
        5000,
        System.nanoTime(),
        Set.of(),
        "writes of event data held "
            + seconds
            + " s for 5 s ("
            + (proxy.held() - before)
            + " frames)");
  }

  private Fault kill(int i) throws InterruptedException {
    NodeProcess node = cluster.nodes().get(i);
    Set<String> shards = cluster.shardsOf(i);
    long start = System.nanoTime();
    node.kill();
    long dead = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    cluster.restart(i);
    return new Fault(
        Kind.KILL, node.toString(), start, dead, System.nanoTime(), shards, "kill -9, restarted");
  }

  private Fault term(int i) throws InterruptedException {
    NodeProcess node = cluster.nodes().get(i);
    long start = System.nanoTime();
    int exit = node.terminate(Duration.ofSeconds(90));
    long stopping = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    cluster.restart(i);
    return new Fault(
        Kind.TERM,
        node.toString(),
        start,
        stopping,
        System.nanoTime(),
        Set.of(),
        "SIGTERM, exited " + exit + " after " + stopping + " ms, restarted");
  }

  /** kill -STOP / -CONT of the Cassandra process. */
  private void signal(String signal) throws InterruptedException {
    try {
      Process p =
          new ProcessBuilder("kill", signal, Long.toString(cassandraPid))
              .redirectErrorStream(true)
              .start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            "kill "
                + signal
                + " "
                + cassandraPid
                + ": "
                + new String(p.getInputStream().readAllBytes()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("kill " + signal + " " + cassandraPid, e);
    }
  }
}
