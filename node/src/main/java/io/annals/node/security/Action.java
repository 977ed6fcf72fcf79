package io.annals.node.security;

import java.util.Locale;

/**
 * What a grant allows. {@code admin} allows every other action on its scope, and on {@code $all}
 * the management of API keys.
 */
public enum Action {
  READ,
  WRITE,
  INVALIDATE,
  ADMIN;

  /** The lower-case name used on the wire ({@code "read"}). */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code read}, {@code write}, {@code invalidate} or {@code admin}. */
  public static Action parse(String text) {
    for (Action a : values()) {
      if (a.wire().equals(text)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "action must be one of read, write, invalidate, admin; was '" + text + "'");
  }
}
