package io.annals.node.tls;

import java.util.Optional;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the API over HTTPS when {@code annals.http.tls.enabled}: each new connection gets an
 * {@link SSLEngine} from a {@link PemSslContext} over the certificate and key files, so a rotated
 * certificate is presented to the next connections without a restart. No client certificate is
 * asked for (clients authenticate with tokens).
 */
public final class ApiTls {
  private static final Logger log = LoggerFactory.getLogger(ApiTls.class);

  private ApiTls() {}

  /** {@code server} with HTTPS when the settings turn it on; as it was otherwise. */
  public static ServerBuilder serve(ServerBuilder server, HttpsSettings settings) {
    if (!settings.enabled()) {
      return server;
    }
    PemSslContext pem =
        new PemSslContext(
            new PemSslContext.Sources(
                Optional.of(settings.certificate()),
                Optional.of(settings.privateKey()),
                Optional.empty()),
            settings.reloadCheckInterval());
    log.info(
        "HTTPS with {} from {}",
        pem.presented().map(PemSslContext::describe).orElse("no certificate"),
        settings.certificate());
    String[] protocols = settings.protocols().toArray(String[]::new);
    return server.enableHttps(
        ConnectionContext.httpsServer(
            () -> {
              SSLEngine engine = pem.current().createSSLEngine();
              engine.setUseClientMode(false);
              engine.setEnabledProtocols(protocols);
              return engine;
            }));
  }

  /** "https" or "http", for the URLs the node prints. */
  public static String scheme(HttpsSettings settings) {
    return settings.enabled() ? "https" : "http";
  }
}
