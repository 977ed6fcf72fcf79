package io.annals.node.stream;

import io.annals.node.stream.StreamEntity.AlreadyAppended;
import io.annals.node.stream.StreamEntity.Append;
import io.annals.node.stream.StreamEntity.AppendReply;
import io.annals.node.stream.StreamEntity.Appended;
import io.annals.node.stream.StreamEntity.EventOutcome;
import io.annals.node.stream.StreamEntity.IdempotencyConflict;
import io.annals.node.stream.StreamEntity.WrongExpectedVersion;
import io.annals.node.stream.StreamJournal.Event;
import io.annals.node.stream.StreamJournal.Recorded;
import io.annals.node.stream.StreamState.KeyEvent;
import io.annals.node.stream.StreamState.Written;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Decides the appends of one batch in arrival order, each against the stream as the appends before
 * it in the batch left it: first the idempotency check (an exact retry gets its original answer,
 * even with a stale expected version), then the expected version, then key de-duplication. The
 * events it accepts are collected for one journal write; the durable state is not touched, so a
 * failed write leaves nothing behind.
 */
final class BatchPlan {
  private final StreamState state;
  private final long recorded;
  private long version;
  private long transaction;
  private final List<Event> events = new ArrayList<>();
  private final Map<UUID, Written> pendingIds = new HashMap<>();
  private final Map<String, KeyEvent> pendingKeys = new HashMap<>();
  private final Set<Long> pendingInvalidations = new HashSet<>();
  // keys this batch adds to the stream (not updates of keys it has)
  private final Set<String> pendingNewKeys = new HashSet<>();
  private final int maxKeys;

  BatchPlan(StreamState state, long recordedMicros, int maxKeys) {
    this.state = state;
    this.recorded = recordedMicros;
    this.maxKeys = maxKeys;
    this.version = state.version();
    this.transaction = state.transaction();
  }

  List<Event> events() {
    return events;
  }

  AppendReply decide(Append append) {
    AppendReply retry = checkRetry(append);
    if (retry != null) {
      return retry;
    }
    if (!append.expectedVersion().isSatisfiedBy(version)) {
      return new WrongExpectedVersion(append.expectedVersion(), version);
    }
    AppendReply refused = refuse(append);
    return refused != null ? refused : accept(append);
  }

  /** An invalidation of a transaction that cannot be invalidated, or keys beyond the limit. */
  private AppendReply refuse(Append append) {
    Set<String> newKeys = new HashSet<>();
    for (NewEvent e : append.events()) {
      Long target = e.invalidates();
      if (target != null && (target < 1 || target > transaction)) {
        return new StreamEntity.UnknownTransaction(target, transaction);
      }
      if (target != null
          && (state.isInvalidated(target) || pendingInvalidations.contains(target))) {
        return new StreamEntity.NotInvalidatable(target, false);
      }
      if (target != null && state.isInvalidation(target)) {
        return new StreamEntity.NotInvalidatable(target, true);
      }
      if (e.key() != null && !state.hasKey(e.key()) && !pendingKeys.containsKey(e.key())) {
        newKeys.add(e.key());
      }
    }
    if (!newKeys.isEmpty() && state.keyCount() + pendingNewKeys.size() + newKeys.size() > maxKeys) {
      return new StreamEntity.TooManyKeys(maxKeys);
    }
    return null;
  }

  private AppendReply accept(Append append) {
    long txn = transaction + 1;
    long first = version + 1;
    List<EventOutcome> outcomes = new ArrayList<>(append.events().size());
    for (NewEvent e : append.events()) {
      KeyEvent same = sameAsLatest(e);
      if (same != null) {
        outcomes.add(new EventOutcome(e.id(), same.version(), true));
        continue;
      }
      version++;
      Recorded r =
          new Recorded(
              e.id(),
              e.type(),
              e.schemaVersion(),
              e.key(),
              e.data(),
              e.metadata(),
              txn,
              recorded,
              e.invalidates(),
              e.contentFingerprint(),
              e.dataFingerprint(),
              e.principal());
      events.add(r);
      pendingIds.put(e.id(), new Written(version, txn, e.contentHash(), recorded));
      if (e.key() != null) {
        pendingKeys.put(e.key(), new KeyEvent(version, txn, e.type(), e.dataHash()));
        if (!state.hasKey(e.key())) {
          pendingNewKeys.add(e.key());
        }
      }
      if (e.invalidates() != null) {
        pendingInvalidations.add(e.invalidates());
      }
      outcomes.add(new EventOutcome(e.id(), version, false));
    }
    if (version < first) {
      return allDeduplicated(outcomes);
    }
    transaction = txn;
    return new Appended(first, version, txn, outcomes);
  }

  /** Every event equals its key's newest event: nothing is written, the earlier versions answer. */
  private static AppendReply allDeduplicated(List<EventOutcome> outcomes) {
    long lo = Long.MAX_VALUE;
    long hi = 0;
    for (EventOutcome o : outcomes) {
      lo = Math.min(lo, o.version());
      hi = Math.max(hi, o.version());
    }
    return new AlreadyAppended(lo, hi, 0, outcomes);
  }

  /**
   * {@code null} when no id of the append was seen before; the original answer when the append
   * repeats one earlier append exactly (its events may be de-duplicated again); a conflict when ids
   * were seen but not as exactly this request.
   */
  private AppendReply checkRetry(Append append) {
    long txn = -1;
    for (NewEvent e : append.events()) {
      Written w = written(e.id());
      if (w == null) {
        continue;
      }
      if (w.contentHash() != e.contentHash()) {
        return new IdempotencyConflict(
            IdempotencyConflict.Conflict.OTHER_CONTENT, e.id(), w.version(), w.transaction(), 0);
      }
      if (txn != -1 && txn != w.transaction()) {
        return new IdempotencyConflict(
            IdempotencyConflict.Conflict.SEVERAL_APPENDS, null, 0, txn, w.transaction());
      }
      txn = w.transaction();
    }
    return txn == -1 ? null : originalAnswer(append, txn);
  }

  private AppendReply originalAnswer(Append append, long txn) {
    List<EventOutcome> outcomes = new ArrayList<>(append.events().size());
    long first = 0;
    long last = 0;
    for (NewEvent e : append.events()) {
      Written w = written(e.id());
      if (w != null && w.version() > last) {
        first = first == 0 ? w.version() : first;
        last = w.version();
        outcomes.add(new EventOutcome(e.id(), w.version(), false));
        continue;
      }
      KeyEvent same = sameAsLatest(e);
      if (w != null || same == null) {
        return partialMatch(e.id(), txn);
      }
      outcomes.add(new EventOutcome(e.id(), same.version(), true));
    }
    boolean whole =
        last - first + 1 == countWritten(outcomes)
            && transactionAt(first - 1) != txn
            && transactionAt(last + 1) != txn;
    return whole ? new AlreadyAppended(first, last, txn, outcomes) : partialMatch(null, txn);
  }

  private static long countWritten(List<EventOutcome> outcomes) {
    return outcomes.stream().filter(o -> !o.deduplicated()).count();
  }

  private static AppendReply partialMatch(UUID id, long txn) {
    return new IdempotencyConflict(IdempotencyConflict.Conflict.PARTIAL_REPEAT, id, 0, txn, 0);
  }

  private Written written(UUID id) {
    Written pending = pendingIds.get(id);
    return pending != null ? pending : state.written(id);
  }

  /**
   * The key's newest valid event when {@code e} equals it (same type, same data), else null. An
   * event of a transaction invalidated in this batch still counts until the batch is written.
   */
  private KeyEvent sameAsLatest(NewEvent e) {
    if (e.key() == null) {
      return null;
    }
    KeyEvent latest =
        pendingKeys.containsKey(e.key()) ? pendingKeys.get(e.key()) : state.latestValid(e.key());
    boolean same =
        latest != null && latest.type().equals(e.type()) && latest.dataHash() == e.dataHash();
    return same ? latest : null;
  }

  private long transactionAt(long v) {
    if (v > state.version() && v <= version) {
      return ((Recorded) events.get((int) (v - state.version() - 1))).transaction();
    }
    return state.transactionAt(v);
  }
}
