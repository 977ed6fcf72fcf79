/**
 * The {@code annals} command line: picocli commands over {@link io.annals.api.client.AnnalsClient},
 * printing JSON lines (or a table) for scripts and people at a terminal.
 */
package io.annals.cli;
