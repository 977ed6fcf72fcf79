/**
 * Who may do what: bearer tokens (API keys and JWTs) become a {@link
 * io.annals.node.security.Principal} whose {@link io.annals.node.security.Grant}s the HTTP routes
 * check before any entity is asked; API keys are kept hashed in Cassandra and in a key file.
 */
package io.annals.node.security;
