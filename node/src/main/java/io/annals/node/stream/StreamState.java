package io.annals.node.stream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What the rules of one stream need to know: its version, its transaction counter, the window of
 * recent event ids (idempotent retries), every keyed event in key order (de-duplication and the
 * surface) and the invalidated transactions. Built only by {@link #apply}, on recovery (from a
 * snapshot and the events after it) and after each durable write.
 *
 * <p>Deliberately mutable: a stream's window holds up to 10,000 ids and its key index can hold many
 * thousand keys, and copying them per event would dominate the write path. The one {@link
 * StreamJournal} actor that owns an instance is the only code that touches it; it is never sent in
 * a message, and snapshots copy it into an immutable {@link StreamSnapshot} first.
 *
 * <p>Memory: about 100 bytes per id in the window, about 120 bytes per key plus 48 bytes per keyed
 * event (each key keeps its history so that invalidating a transaction can fall back to the key's
 * previous valid event).
 */
public final class StreamState {

  /**
   * One remembered event id: where it was written, a fingerprint of its content and when it was
   * recorded (microseconds since the epoch; 0 when restored from a snapshot).
   */
  record Written(long version, long transaction, long contentHash, long recorded) {}

  /** One event of a key. */
  record KeyEvent(long version, long transaction, String type, long dataHash) {}

  private final int windowSize;
  private final long windowMicros;
  private final int maxIds;
  private long newestRecorded;
  private long version;
  private long transaction;
  private final LinkedHashMap<UUID, Written> window;
  // the transaction of each version inside the window, as a ring indexed by version; it starts
  // small and doubles up to the window size as the stream grows (10,000 streams of a few events
  // each must not hold 80 KB each)
  private long[] transactionRing;
  private final TreeMap<String, List<KeyEvent>> keys = new TreeMap<>();
  // invalidated transaction -> the transaction of its $invalidate event
  private final Map<Long, Long> invalidated = new HashMap<>();
  private final Set<Long> invalidations = new HashSet<>();

  /** A window of exactly the newest {@code windowSize} ids. */
  StreamState(int windowSize) {
    this(windowSize, 0, windowSize);
  }

  /**
   * A window of the newest {@code windowSize} ids and, beyond them, of every id recorded less than
   * {@code windowMicros} before the newest event, at most {@code maxIds} ids in all.
   */
  StreamState(int windowSize, long windowMicros, int maxIds) {
    this.windowSize = windowSize;
    this.windowMicros = windowMicros;
    this.maxIds = Math.max(windowSize, maxIds);
    this.window =
        new LinkedHashMap<>() {
          @Override
          protected boolean removeEldestEntry(Map.Entry<UUID, Written> eldest) {
            return size() > StreamState.this.maxIds
                || (size() > StreamState.this.windowSize && expired(eldest.getValue()));
          }
        };
    this.transactionRing = new long[Math.max(Math.min(windowSize, 16), 1)];
  }

  public long version() {
    return version;
  }

  /** Outside the time part of the window: recorded {@code windowMicros} before the newest. */
  private boolean expired(Written w) {
    return w.recorded() < newestRecorded - windowMicros;
  }

  /** How many event ids the window remembers now. */
  int rememberedIds() {
    return window.size();
  }

  public long transaction() {
    return transaction;
  }

  Written written(UUID id) {
    return window.get(id);
  }

  int keyCount() {
    return keys.size();
  }

  boolean hasKey(String key) {
    return keys.containsKey(key);
  }

  boolean isInvalidated(long txn) {
    return invalidated.containsKey(txn);
  }

  boolean isInvalidation(long txn) {
    return invalidations.contains(txn);
  }

  /** The invalidated transactions, for reads that leave their events out. */
  Set<Long> invalidatedTransactions() {
    return Set.copyOf(invalidated.keySet());
  }

  /** The newest event of {@code key} that is not in an invalidated transaction, or null. */
  KeyEvent latestValid(String key) {
    List<KeyEvent> history = keys.get(key);
    if (history == null) {
      return null;
    }
    for (int i = history.size() - 1; i >= 0; i--) {
      if (!invalidated.containsKey(history.get(i).transaction())) {
        return history.get(i);
      }
    }
    return null;
  }

  /**
   * The surface: for keys after {@code after} (exclusive, null = from the first) in key order, the
   * version of each key's newest valid event; at most {@code limit} keys.
   */
  LinkedHashMap<String, Long> surface(String after, int limit) {
    LinkedHashMap<String, Long> page = new LinkedHashMap<>();
    var tail = after == null ? keys : keys.tailMap(after, false);
    for (String key : tail.keySet()) {
      if (page.size() == limit) {
        break;
      }
      KeyEvent latest = latestValid(key);
      if (latest != null) {
        page.put(key, latest.version());
      }
    }
    return page;
  }

  /** Applies one durable event; its version is the next one. */
  StreamState apply(StreamJournal.Recorded event) {
    version++;
    ringFor(version);
    transaction = Math.max(transaction, event.transaction());
    newestRecorded = Math.max(newestRecorded, event.recorded());
    window.put(
        event.id(),
        new Written(version, event.transaction(), event.contentHash(), event.recorded()));
    transactionRing[(int) (version % transactionRing.length)] = event.transaction();
    if (event.key() != null) {
      keys.computeIfAbsent(event.key(), k -> new ArrayList<>(1))
          .add(new KeyEvent(version, event.transaction(), event.type(), event.dataHash()));
    }
    if (event.invalidates() != null) {
      invalidated.put(event.invalidates(), event.transaction());
      invalidations.add(event.transaction());
    }
    return this;
  }

  /**
   * Grows the ring (doubling, at most to the window's largest size) so that it covers {@code v} and
   * every version in the window.
   */
  private void ringFor(long v) {
    int length = transactionRing.length;
    long span = window.isEmpty() ? 1 : v - window.values().iterator().next().version() + 1;
    long needed = Math.min(Math.max(Math.min(v, windowSize), span), maxIds);
    if (needed <= length) {
      return;
    }
    int grown = (int) Math.min(maxIds, Math.max(2L * length, needed));
    long[] ring = new long[grown];
    for (long kept = Math.max(1, v - length); kept < v; kept++) {
      ring[(int) (kept % grown)] = transactionRing[(int) (kept % length)];
    }
    transactionRing = ring;
  }

  /** The transaction of {@code v}, or -1 when {@code v} is outside the window or not written. */
  long transactionAt(long v) {
    if (v < 1 || v > version || v <= version - transactionRing.length) {
      return -1;
    }
    return transactionRing[(int) (v % transactionRing.length)];
  }

  // ---- snapshots ------------------------------------------------------------------------------

  /**
   * An immutable copy for the snapshot store. It keeps the newest {@code windowSize} ids only (the
   * time part of the window can hold many more on a busy stream, and a snapshot is written every
   * few thousand events); recovery then replays every event after the snapshot.
   */
  StreamSnapshot toSnapshot() {
    List<StreamSnapshot.Id> ids = new ArrayList<>(Math.min(window.size(), windowSize));
    int skip = window.size() - windowSize;
    for (var entry : window.entrySet()) {
      if (skip-- > 0) {
        continue;
      }
      Written w = entry.getValue();
      ids.add(new StreamSnapshot.Id(entry.getKey(), w.version(), w.transaction(), w.contentHash()));
    }
    List<StreamSnapshot.Key> keyList = new ArrayList<>(keys.size());
    keys.forEach(
        (key, history) ->
            keyList.add(
                new StreamSnapshot.Key(
                    key,
                    history.stream()
                        .map(
                            e ->
                                new StreamSnapshot.KeyVersion(
                                    e.version(), e.transaction(), e.type(), e.dataHash()))
                        .toList())));
    return new StreamSnapshot(version, transaction, ids, keyList, Map.copyOf(invalidated));
  }

  static StreamState fromSnapshot(StreamSnapshot s, int windowSize) {
    return fromSnapshot(s, windowSize, 0, windowSize);
  }

  static StreamState fromSnapshot(StreamSnapshot s, int windowSize, long windowMicros, int maxIds) {
    StreamState state = new StreamState(windowSize, windowMicros, maxIds);
    state.version = s.version();
    state.transaction = s.transaction();
    state.ringFor(s.version());
    for (StreamSnapshot.Id id : s.ids()) {
      state.window.put(id.id(), new Written(id.version(), id.transaction(), id.contentHash(), 0));
      state.transactionRing[(int) (id.version() % state.transactionRing.length)] = id.transaction();
    }
    for (StreamSnapshot.Key key : s.keys()) {
      List<KeyEvent> history = new ArrayList<>(key.versions().size());
      key.versions()
          .forEach(
              v -> history.add(new KeyEvent(v.version(), v.transaction(), v.type(), v.dataHash())));
      state.keys.put(key.key(), history);
    }
    state.invalidated.putAll(s.invalidated());
    state.invalidations.addAll(s.invalidated().values());
    return state;
  }
}
