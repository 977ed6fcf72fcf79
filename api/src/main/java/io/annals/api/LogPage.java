package io.annals.api;

import java.util.List;

/**
 * One page of {@code /all} or {@code /categories/{c}}: the events and the position to pass as
 * {@code after} for the next page (on an empty page, the {@code after} that was sent).
 */
public record LogPage(List<RecordedEvent> events, String next) {}
