package io.annals.api;

/**
 * One event delivered to a consumer of a group: its delivery id (ack or nack it with this), the
 * event, and which attempt this delivery is (1 the first time).
 */
public record GroupDelivery(String id, RecordedEvent event, int attempt) {}
