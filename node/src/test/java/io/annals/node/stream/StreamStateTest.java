package io.annals.node.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The idempotency window: the newest ids by count and, beyond them, every id younger than the
 * window's time (at most its maximum), with the transaction of each version inside it, however the
 * stream grew.
 */
class StreamStateTest {

  private static StreamJournal.Recorded event(long transaction) {
    return recordedAt(transaction, 0L);
  }

  private static StreamJournal.Recorded recordedAt(long transaction, long micros) {
    return new StreamJournal.Recorded(
        UUID.randomUUID(), "E", 1, null, "1", null, transaction, micros, null, null, null, null);
  }

  private static final long SECOND = 1_000_000L;

  @Test
  void remembersEveryIdYoungerThanTheWindowTimeBeyondTheCount() {
    StreamState state = new StreamState(100, 30 * SECOND, 10_000);
    List<UUID> ids = new ArrayList<>();
    for (long v = 1; v <= 3000; v++) { // 3,000 events within 3 s: all inside 30 s
      StreamJournal.Recorded e = recordedAt(v, v * 1000);
      ids.add(e.id());
      state.apply(e);
    }
    assertEquals(3000, state.rememberedIds());
    assertEquals(1, state.written(ids.get(0)).version(), "the first id is still known");
    assertEquals(1, state.transactionAt(1));
    assertEquals(3000, state.transactionAt(3000));
  }

  @Test
  void forgetsIdsOlderThanTheWindowTimeBeyondTheCount() {
    StreamState state = new StreamState(100, 30 * SECOND, 10_000);
    List<UUID> ids = new ArrayList<>();
    for (long v = 1; v <= 500; v++) { // one event a second: 30 s hold 30 events, the count 100
      StreamJournal.Recorded e = recordedAt(v, v * SECOND);
      ids.add(e.id());
      state.apply(e);
    }
    assertEquals(100, state.rememberedIds());
    assertNull(state.written(ids.get(399)), "version 400 is outside the window");
    assertEquals(401, state.written(ids.get(400)).version());
    assertEquals(401, state.transactionAt(401));
  }

  @Test
  void holdsNoMoreThanTheMaximumHoweverFastTheStreamIsWritten() {
    StreamState state = new StreamState(100, 30 * SECOND, 1000);
    for (long v = 1; v <= 5000; v++) {
      state.apply(recordedAt(v, v));
    }
    assertEquals(1000, state.rememberedIds());
    assertEquals(4001, state.transactionAt(4001));
    assertEquals(100, state.toSnapshot().ids().size(), "a snapshot keeps the count part");
  }

  @Test
  void remembersTheTransactionOfEveryVersionAsTheStreamGrowsPastItsFirstRing() {
    StreamState state = new StreamState(10_000);
    for (long v = 1; v <= 1000; v++) {
      state.apply(event((v + 2) / 3));
    }
    for (long v = 1; v <= 1000; v++) {
      assertEquals((v + 2) / 3, state.transactionAt(v), "version " + v);
    }
    assertEquals(-1, state.transactionAt(1001), "not written yet");
  }

  @Test
  void forgetsVersionsThatLeftTheWindow() {
    StreamState state = new StreamState(100);
    for (long v = 1; v <= 250; v++) {
      state.apply(event(v));
    }
    assertEquals(-1, state.transactionAt(150), "outside the last 100 versions");
    for (long v = 151; v <= 250; v++) {
      assertEquals(v, state.transactionAt(v), "version " + v);
    }
  }

  @Test
  void keepsTheWindowAcrossASnapshot() {
    StreamState state = new StreamState(50);
    for (long v = 1; v <= 120; v++) {
      state.apply(event(v));
    }
    StreamState restored = StreamState.fromSnapshot(state.toSnapshot(), 50);
    assertEquals(120, restored.version());
    for (long v = 71; v <= 120; v++) {
      assertEquals(v, restored.transactionAt(v), "version " + v);
    }
    restored.apply(event(121));
    assertEquals(121, restored.transactionAt(121));
    assertEquals(120, restored.transactionAt(120));
  }
}
