package io.annals.node.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The transaction of each version inside the idempotency window, however the stream grew. */
class StreamStateTest {

  private static StreamJournal.Recorded event(long transaction) {
    return new StreamJournal.Recorded(
        UUID.randomUUID(), "E", 1, null, "1", null, transaction, 0L, null);
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
