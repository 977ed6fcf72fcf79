/**
 * TLS from PEM files as cert-manager writes them (tls.crt, tls.key, ca.crt): the API's HTTPS
 * context and the Cassandra driver's, both re-read when the files rotate, and the driver's login.
 */
package io.annals.node.tls;
