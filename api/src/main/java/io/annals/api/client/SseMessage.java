package io.annals.api.client;

/**
 * One Server-Sent Events message: its {@code id} (null if none), {@code event} name (null when the
 * server sends the default form without an {@code event:} line) and {@code data}.
 */
public record SseMessage(String id, String event, String data) {}
