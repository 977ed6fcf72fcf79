package io.annals.node.tls;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;

/**
 * Turns {@code annals.cassandra.username}/{@code password} and {@code annals.cassandra.tls} into
 * the Cassandra driver's settings: a {@code PlainTextAuthProvider} login (Cassandra's
 * PasswordAuthenticator) and TLS through {@link PemSslEngineFactory}. Credentials come from the
 * environment (a Kubernetes Secret), never from a file of the repository.
 */
public final class CassandraClientSecurity {
  private static final String DRIVER = "datastax-java-driver.advanced.";

  private CassandraClientSecurity() {}

  /** {@code config} with the driver's login and TLS set as {@code annals.cassandra} asks. */
  public static Config apply(Config config) {
    Config c = config.getConfig("annals.cassandra");
    Config out = config;
    String username = c.getString("username");
    if (!username.isEmpty()) {
      String password = c.getString("password");
      if (password.isEmpty()) {
        throw new IllegalArgumentException(
            "annals.cassandra.username is "
                + username
                + " but annals.cassandra.password (ANNALS_CASSANDRA_PASSWORD) is empty");
      }
      out =
          with(out, "auth-provider.class", "PlainTextAuthProvider")
              .withValue(DRIVER + "auth-provider.username", ConfigValueFactory.fromAnyRef(username))
              .withValue(
                  DRIVER + "auth-provider.password", ConfigValueFactory.fromAnyRef(password));
    }
    Config tls = c.getConfig("tls");
    if (tls.getBoolean("enabled")) {
      String factory = "ssl-engine-factory.";
      out = with(out, factory + "class", PemSslEngineFactory.class.getName());
      out = with(out, factory + "ca-certificate", tls.getString("ca-certificate"));
      out = with(out, factory + "certificate", tls.getString("certificate"));
      out = with(out, factory + "private-key", tls.getString("private-key"));
      out = with(out, factory + "hostname-validation", tls.getBoolean("hostname-validation"));
      out =
          with(
              out,
              factory + "reload-check-interval",
              tls.getDuration("reload-check-interval").toMillis() + "ms");
    }
    return out;
  }

  private static Config with(Config config, String driverPath, Object value) {
    return config.withValue(DRIVER + driverPath, ConfigValueFactory.fromAnyRef(value));
  }
}
