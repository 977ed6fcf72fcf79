package io.annals.node;

import com.typesafe.config.Config;
import io.annals.node.stream.StreamEntity;
import java.time.Duration;

/** The typed view of the {@code annals {}} configuration block, read once at start-up. */
public record AnnalsSettings(
    String httpInterface,
    int httpPort,
    long maxBodyBytes,
    Duration askTimeout,
    Duration drainTimeout,
    StreamEntity.Settings stream,
    int defaultReadLimit,
    int maxReadLimit,
    boolean joinSelf) {

  public static AnnalsSettings from(Config root) {
    Config c = root.getConfig("annals");
    Config s = c.getConfig("stream");
    return new AnnalsSettings(
        c.getString("http.interface"),
        c.getInt("http.port"),
        c.getBytes("http.max-body-size"),
        c.getDuration("http.ask-timeout"),
        c.getDuration("http.drain-timeout"),
        new StreamEntity.Settings(
            s.getInt("max-queued-appends"),
            s.getInt("max-batch-events"),
            (int) (long) s.getBytes("max-batch-bytes"),
            s.getInt("idempotency-window"),
            s.getDuration("min-backoff"),
            s.getDuration("max-backoff"),
            s.getInt("snapshot-every"),
            s.getInt("max-keys")),
        c.getInt("read.default-limit"),
        c.getInt("read.max-limit"),
        c.getBoolean("cluster.join-self"));
  }
}
