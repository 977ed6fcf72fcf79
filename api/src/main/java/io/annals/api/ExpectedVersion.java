package io.annals.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The optimistic-concurrency condition of an append: {@code any} (no check), {@code exists} (the
 * stream has at least one event) or an exact version ({@code 0} means the stream must not exist).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ExpectedVersion.Any.class, name = "any"),
  @JsonSubTypes.Type(value = ExpectedVersion.Exists.class, name = "exists"),
  @JsonSubTypes.Type(value = ExpectedVersion.Exact.class, name = "exact")
})
public sealed interface ExpectedVersion {

  /** No condition. */
  record Any() implements ExpectedVersion {
    @Override
    public String toString() {
      return "any";
    }
  }

  /** The stream must have at least one event. */
  record Exists() implements ExpectedVersion {
    @Override
    public String toString() {
      return "exists";
    }
  }

  /** The stream must be at exactly this version. */
  record Exact(long version) implements ExpectedVersion {
    public Exact {
      if (version < 0) {
        throw new IllegalArgumentException("expected version must be >= 0, was " + version);
      }
    }

    @Override
    public String toString() {
      return Long.toString(version);
    }
  }

  ExpectedVersion ANY = new Any();
  ExpectedVersion EXISTS = new Exists();
  ExpectedVersion NO_STREAM = new Exact(0);

  static ExpectedVersion exactly(long version) {
    return new Exact(version);
  }

  /** True when a stream at {@code actual} satisfies this condition. */
  default boolean isSatisfiedBy(long actual) {
    if (this instanceof Exact exact) {
      return exact.version() == actual;
    }
    return !(this instanceof Exists) || actual >= 1;
  }

  /** The JSON value of this condition: a number or the strings "any" / "exists". */
  default Object toJsonValue() {
    return this instanceof Exact exact ? (Object) exact.version() : toString();
  }
}
