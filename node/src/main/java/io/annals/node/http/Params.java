package io.annals.node.http;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request's query parameters, read strictly: a parameter the route does not take is a 400 naming
 * it and the ones it takes (a misspelt {@code ?limt=1} must not be ignored silently), and every
 * value is checked as it is read. Numbers are ASCII digits only. Every bad value is a {@link
 * BadRequest} ({@code invalid-query-parameter}) naming the parameter and what it must be.
 */
final class Params {
  private final Map<String, String> values;

  private Params(Map<String, String> values) {
    this.values = values;
  }

  /** {@code values}, which may only name parameters of {@code accepted}. */
  static Params of(Map<String, String> values, Set<String> accepted) {
    for (String name : values.keySet()) {
      if (!accepted.contains(name)) {
        throw new BadRequest(
            "invalid-query-parameter",
            "unknown query parameter '"
                + Names.abbreviate(name)
                + "'"
                + (accepted.isEmpty()
                    ? "; this resource takes none"
                    : "; this resource takes " + String.join(", ", new TreeSet<>(accepted))));
      }
    }
    return new Params(values);
  }

  /** The raw value, or null when absent. */
  String get(String name) {
    return values.get(name);
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  /** {@code limit}, from 1 to {@code max}; {@code defaultLimit} when absent. */
  int limit(int defaultLimit, int max) {
    return number("limit", 1, max).map(Long::intValue).orElse(defaultLimit);
  }

  /** The integer value of {@code name} from {@code min} to {@code max}, if present. */
  Optional<Long> number(String name, long min, long max) {
    return Optional.ofNullable(values.get(name)).map(v -> number(name, v, min, max));
  }

  /** The parameter's value, which must be one of {@code allowed} (the first is the default). */
  String oneOf(String name, String... allowed) {
    String value = values.getOrDefault(name, allowed[0]);
    if (!List.of(allowed).contains(value)) {
      throw new BadRequest(
          "invalid-query-parameter",
          "query parameter '"
              + name
              + "' must be one of "
              + String.join(", ", allowed)
              + ", was '"
              + Names.abbreviate(value)
              + "'");
    }
    return value;
  }

  /** {@code excludeInvalidated}: true or false (the default). */
  boolean excludeInvalidated() {
    return oneOf("excludeInvalidated", "false", "true").equals("true");
  }

  /** {@code value} as an integer from {@code min} to {@code max} (ASCII digits only). */
  static long number(String name, String value, long min, long max) {
    if (value.chars().allMatch(c -> c == '-' || (c >= '0' && c <= '9'))) {
      try {
        long n = Long.parseLong(value);
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException notANumber) {
        // reported below
      }
    }
    throw new BadRequest(
        "invalid-query-parameter",
        "query parameter '"
            + name
            + "' must be an integer from "
            + min
            + " to "
            + max
            + ", was '"
            + Names.abbreviate(value)
            + "'");
  }
}
