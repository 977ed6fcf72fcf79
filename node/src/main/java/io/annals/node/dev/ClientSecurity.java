package io.annals.node.dev;

import java.nio.file.Path;

/**
 * Client encryption and logins for a {@link DevCassandra}, as production runs Cassandra: {@code
 * keyAndCertificate} is one PEM file with the server's PKCS#8 private key followed by its
 * certificate chain, {@code ca} the PEM of the CA; CQL is then TLS only, logins go through
 * PasswordAuthenticator (superuser {@code cassandra}/{@code cassandra} until changed) and
 * permissions through CassandraAuthorizer. Used by the integration tests; dev mode runs without.
 */
public record ClientSecurity(Path keyAndCertificate, Path ca) {

  /** The cassandra.yaml lines. */
  String yaml() {
    return """
        authenticator: PasswordAuthenticator
        authorizer: CassandraAuthorizer
        role_manager: CassandraRoleManager
        client_encryption_options:
          enabled: true
          optional: false
          require_client_auth: false
          ssl_context_factory:
            class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
          keystore: %s
          truststore: %s
        """
        .formatted(keyAndCertificate.toAbsolutePath(), ca.toAbsolutePath());
  }
}
