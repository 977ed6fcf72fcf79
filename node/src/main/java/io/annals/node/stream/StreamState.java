package io.annals.node.stream;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What the write rules of one stream need to know: its version, its transaction counter, the window
 * of recent event ids (idempotent retries) and the newest event per key (de-duplication). Built only
 * by {@link #apply}, on recovery and after each durable write.
 *
 * <p>Deliberately mutable: a stream's window holds up to 10,000 ids, and copying it per event would
 * dominate the write path. The one {@link StreamJournal} actor that owns an instance is the only
 * code that touches it; it is never sent in a message or a reply.
 */
public final class StreamState {

  /** One remembered event id: where it was written and a fingerprint of its content. */
  record Written(long version, long transaction, long contentHash) {}

  /** The newest event of a key. */
  record Latest(long version, long transaction, String type, long dataHash) {}

  private final int windowSize;
  private long version;
  private long transaction;
  private final LinkedHashMap<UUID, Written> window;
  private final Map<String, Latest> keys = new HashMap<>();
  // the transaction of each version inside the window, as a ring indexed by version
  private final long[] transactionRing;

  StreamState(int windowSize) {
    this.windowSize = windowSize;
    this.window =
        new LinkedHashMap<>(Math.min(windowSize, 1024) * 2) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<UUID, Written> eldest) {
            return size() > StreamState.this.windowSize;
          }
        };
    this.transactionRing = new long[Math.max(windowSize, 1)];
  }

  public long version() {
    return version;
  }

  public long transaction() {
    return transaction;
  }

  Written written(UUID id) {
    return window.get(id);
  }

  Latest latest(String key) {
    return keys.get(key);
  }

  int windowSize() {
    return window.size();
  }

  /** Applies one durable event; its version is the next one. */
  StreamState apply(StreamJournal.Recorded event) {
    version++;
    transaction = Math.max(transaction, event.transaction());
    window.put(event.id(), new Written(version, event.transaction(), event.contentHash()));
    transactionRing[(int) (version % transactionRing.length)] = event.transaction();
    if (event.key() != null) {
      keys.put(
          event.key(),
          new Latest(version, event.transaction(), event.type(), Fingerprint.of(event.data())));
    }
    return this;
  }

  /** The transaction of {@code v}, or -1 when {@code v} is outside the window or not written. */
  long transactionAt(long v) {
    if (v < 1 || v > version || v <= version - transactionRing.length) {
      return -1;
    }
    return transactionRing[(int) (v % transactionRing.length)];
  }
}
