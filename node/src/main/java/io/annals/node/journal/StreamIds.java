package io.annals.node.journal;

import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * How a stream's journal is named: persistence id {@code stream|<name>} (the stream entity's type
 * key and the stream name, with Pekko's default separator). The stream entity writes under it;
 * readers and the index sweep find streams by it.
 */
public final class StreamIds {
  /** The stream entity's type key name, the prefix of its persistence ids. */
  public static final String TYPE = "stream";

  private static final String PREFIX = TYPE + PersistenceId.DefaultSeparator();

  private StreamIds() {}

  /** The persistence id of {@code stream}'s journal. */
  public static PersistenceId persistenceId(String stream) {
    return PersistenceId.of(TYPE, stream);
  }

  /** The stream a journal persistence id belongs to, or null when it is not a stream's. */
  public static String streamOf(String persistenceId) {
    return persistenceId.startsWith(PREFIX) ? persistenceId.substring(PREFIX.length()) : null;
  }
}
