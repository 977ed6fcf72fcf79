package io.annals.node.stream;

import java.nio.charset.StandardCharsets;

/**
 * A 64-bit FNV-1a fingerprint over strings, used to compare event content (idempotent retries, key
 * de-duplication) without keeping the content in memory. Null and empty are distinguished.
 */
final class Fingerprint {
  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private Fingerprint() {}

  /**
   * The fingerprint of everything an idempotent retry must repeat exactly. Requests ({@link
   * NewEvent}) and stored events ({@link StreamJournal.Recorded}) both use it, so a retry still
   * matches after the id window was rebuilt from the journal.
   */
  static long ofContent(String type, int schemaVersion, String key, String data, String metadata) {
    return of(type, Integer.toString(schemaVersion), key, data, metadata);
  }

  static long of(String... parts) {
    long h = OFFSET;
    for (String part : parts) {
      if (part == null) {
        h = (h ^ 0xff) * PRIME;
        continue;
      }
      for (byte b : part.getBytes(StandardCharsets.UTF_8)) {
        h = (h ^ (b & 0xff)) * PRIME;
      }
      h = (h ^ 0xfe) * PRIME;
    }
    return h;
  }
}
