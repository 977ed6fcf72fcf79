package io.annals.api;

import java.util.List;

/** One page of {@code GET /streams}: stream names in ascending order and the next page's after. */
public record StreamNames(List<String> streams, String next) {}
