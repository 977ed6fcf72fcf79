package io.annals.node.tls;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code annals.http.tls} block: whether the API is served over HTTPS, from which PEM files,
 * how often they are checked for rotation, and which TLS versions are offered.
 */
public record HttpsSettings(
    boolean enabled,
    Path certificate,
    Path privateKey,
    Duration reloadCheckInterval,
    List<String> protocols) {

  public static HttpsSettings from(Config tls) {
    return new HttpsSettings(
        tls.getBoolean("enabled"),
        Path.of(tls.getString("certificate")),
        Path.of(tls.getString("private-key")),
        tls.getDuration("reload-check-interval"),
        tls.getStringList("protocols"));
  }
}
