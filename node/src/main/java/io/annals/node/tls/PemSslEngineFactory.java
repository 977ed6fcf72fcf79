package io.annals.node.tls;

import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import com.datastax.oss.driver.api.core.config.DriverOption;
import com.datastax.oss.driver.api.core.context.DriverContext;
import com.datastax.oss.driver.api.core.metadata.EndPoint;
import com.datastax.oss.driver.api.core.ssl.SslEngineFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The Cassandra driver's TLS ({@code datastax-java-driver.advanced.ssl-engine-factory.class}),
 * trusting the CA of a PEM file instead of a password-protected Java trust store, and presenting a
 * client certificate when one is configured (Cassandra's {@code require_client_auth}). The files
 * are re-read when they rotate ({@link PemSslContext}). {@link CassandraClientSecurity} sets it up
 * from {@code annals.cassandra.tls}.
 */
public final class PemSslEngineFactory implements SslEngineFactory {
  /** The factory's keys, under the driver's {@code advanced.ssl-engine-factory}. */
  enum Option implements DriverOption {
    CA_CERTIFICATE("ca-certificate"),
    CERTIFICATE("certificate"),
    PRIVATE_KEY("private-key"),
    HOSTNAME_VALIDATION("hostname-validation"),
    RELOAD_CHECK_INTERVAL("reload-check-interval");

    private final String path;

    Option(String key) {
      this.path = "advanced.ssl-engine-factory." + key;
    }

    @Override
    public String getPath() {
      return path;
    }
  }

  private final PemSslContext pem;
  private final boolean hostnameValidation;

  /** Called by the driver, which passes its context. */
  public PemSslEngineFactory(DriverContext context) {
    DriverExecutionProfile config = context.getConfig().getDefaultProfile();
    this.pem =
        new PemSslContext(
            new PemSslContext.Sources(
                path(config, Option.CERTIFICATE),
                path(config, Option.PRIVATE_KEY),
                Optional.of(Path.of(config.getString(Option.CA_CERTIFICATE)))),
            config.getDuration(Option.RELOAD_CHECK_INTERVAL, Duration.ofSeconds(10)));
    this.hostnameValidation = config.getBoolean(Option.HOSTNAME_VALIDATION, false);
  }

  private static Optional<Path> path(DriverExecutionProfile config, Option option) {
    String value = config.getString(option, "");
    return value.isBlank() ? Optional.empty() : Optional.of(Path.of(value));
  }

  @Override
  public SSLEngine newSslEngine(EndPoint endPoint) {
    SocketAddress address = endPoint.resolve();
    SSLEngine engine;
    if (address instanceof InetSocketAddress inet) {
      engine = pem.current().createSSLEngine(inet.getHostString(), inet.getPort());
    } else {
      engine = pem.current().createSSLEngine();
    }
    engine.setUseClientMode(true);
    if (hostnameValidation) {
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      engine.setSSLParameters(parameters);
    }
    return engine;
  }

  @Override
  public void close() {
    // nothing to release: the context holds no thread or file
  }
}
