package io.annals.node;

import com.typesafe.config.Config;
import io.annals.node.group.GroupEntity;
import io.annals.node.log.IndexSweep;
import io.annals.node.log.LogEntity;
import io.annals.node.stream.StreamEntity;
import io.annals.node.tls.HttpsSettings;
import java.time.Duration;
import java.util.List;

/** The typed view of the {@code annals {}} configuration block, read once at start-up. */
public record AnnalsSettings(
    String httpInterface,
    int httpPort,
    long maxBodyBytes,
    Duration askTimeout,
    Duration askAttempt,
    Duration closeGrace,
    Duration drainTimeout,
    int appendStreamInFlight,
    int maxEventsPerAppend,
    long maxEventBytes,
    int maxWritesPerRequest,
    Duration firstRequestTimeout,
    StreamEntity.Settings stream,
    int defaultReadLimit,
    int maxReadLimit,
    long maxPageBytes,
    Duration defaultWaitFor,
    Duration maxWaitFor,
    LogEntity.Settings log,
    IndexSweep.Settings sweep,
    Subscriptions subscriptions,
    GroupEntity.Settings groups,
    boolean joinSelf,
    boolean bootstrap,
    HttpsSettings httpTls,
    List<String> corsAllowedOrigins) {

  /** The {@code annals.subscriptions} block. */
  public record Subscriptions(
      Duration heartbeat,
      Duration retry,
      int chunkEvents,
      int catchUpEvents,
      long catchUpBytes,
      int chunkBytes,
      Duration askTimeout,
      int maxOpen) {}

  public static AnnalsSettings from(Config root) {
    Config c = root.getConfig("annals");
    Config s = c.getConfig("stream");
    Config l = c.getConfig("log");
    Config sub = c.getConfig("subscriptions");
    return new AnnalsSettings(
        c.getString("http.interface"),
        c.getInt("http.port"),
        c.getBytes("http.max-body-size"),
        c.getDuration("http.ask-timeout"),
        c.getDuration("http.ask-attempt"),
        c.getDuration("http.close-grace"),
        c.getDuration("http.drain-timeout"),
        c.getInt("http.append-stream-in-flight"),
        c.getInt("http.max-events-per-append"),
        c.getBytes("http.max-event-bytes"),
        c.getInt("http.max-writes-per-request"),
        c.getDuration("http.first-request-timeout"),
        new StreamEntity.Settings(
            s.getInt("max-queued-appends"),
            s.getInt("max-batch-events"),
            (int) (long) s.getBytes("max-batch-bytes"),
            s.getInt("idempotency-window"),
            s.getDuration("min-backoff"),
            s.getDuration("max-backoff"),
            s.getInt("snapshot-every"),
            s.getInt("max-keys"),
            s.getDuration("idempotency-window-time"),
            s.getInt("idempotency-window-max")),
        c.getInt("read.default-limit"),
        c.getInt("read.max-limit"),
        c.getBytes("read.max-page-bytes"),
        c.getDuration("read.default-wait-for"),
        c.getDuration("read.max-wait-for"),
        new LogEntity.Settings(
            l.getInt("partitions"),
            l.getInt("max-queued-requests"),
            l.getInt("snapshot-every"),
            l.getDuration("retry-interval"),
            l.getDuration("tail.registration-interval"),
            l.getInt("tail.entries"),
            l.getBytes("tail.bytes"),
            l.getDuration("tail.park"),
            l.getDuration("tail.idle")),
        new IndexSweep.Settings(
            l.getDuration("sweep.start-delay"),
            l.getInt("sweep.streams-per-second"),
            l.getInt("sweep.parallelism"),
            l.getDuration("retry-interval"),
            l.getDuration("sweep.ask-timeout"),
            l.getDuration("sweep.retry-after-failure")),
        new Subscriptions(
            sub.getDuration("heartbeat"),
            sub.getDuration("retry"),
            sub.getInt("chunk-events"),
            sub.getInt("catch-up-events"),
            sub.getBytes("catch-up-bytes"),
            (int) (long) sub.getBytes("chunk-bytes"),
            sub.getDuration("ask-timeout"),
            sub.getInt("max-open")),
        new GroupEntity.Settings(
            c.getInt("groups.read-ahead"),
            c.getDuration("groups.heartbeat"),
            c.getDuration("groups.tick")),
        c.getBoolean("cluster.join-self"),
        c.getBoolean("cluster.bootstrap"),
        HttpsSettings.from(c.getConfig("http.tls")),
        List.copyOf(c.getStringList("http.cors.allowed-origins")));
  }
}
