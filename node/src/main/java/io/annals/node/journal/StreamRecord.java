package io.annals.node.journal;

/**
 * A stream's journal event as stored (the stream package's own record, which implements this): what
 * {@link StreamReader} turns into a {@link StoredEvent} without knowing the stream's types.
 */
public interface StreamRecord {
  /** This event as read back: version {@code version} of {@code stream}. */
  StoredEvent stored(String stream, long version);
}
