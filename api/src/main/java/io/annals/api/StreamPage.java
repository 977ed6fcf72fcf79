package io.annals.api;

import java.util.List;

/** One page of a stream read: the stream's current version, the events, and the next page's URL. */
public record StreamPage(String stream, long version, List<RecordedEvent> events, String next) {}
