/**
 * A Java client for the Annals HTTP API on {@code java.net.http}, with EventStoreDB-style names
 * ({@code appendToStream}, {@code readStream}) and exceptions ({@code
 * WrongExpectedVersionException}).
 */
package io.annals.api.client;
