/**
 * The wire model of the Annals HTTP API as plain Java records with Jackson annotations. It has no
 * Pekko dependency, so any JVM program can use it together with {@link
 * io.annals.api.client.AnnalsClient}.
 */
package io.annals.api;
