package io.annals.node.journal;

import java.util.List;

/**
 * A stream's events up to {@code version} are durable; {@code events} are the newest of them, as
 * written (empty when the stream only recovered). What a stream entity tells whoever it was given
 * to follow its writes (the log package's index outbox), without knowing who that is.
 */
public record StreamWritten(String stream, long version, List<StoredEvent> events) {}
