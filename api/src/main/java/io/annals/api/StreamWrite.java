package io.annals.api;

import java.util.List;

/** One write of a multi-stream write ({@code POST /streams}): a stream and its append. */
public record StreamWrite(
    String stream, ExpectedVersion expectedVersion, List<ProposedEvent> events) {}
