/**
 * The HTTP API (Pekko HTTP): one {@code *Routes} class per resource that parses, asks and maps;
 * {@link io.annals.node.http.Problems} turns every rejection and failure into problem+json.
 */
package io.annals.node.http;
