package io.annals.node.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TailRingTest {

  private static LogTail.Live entry(long seq) {
    return LogTail.Live.of(new LogEntry(seq, "s-1", seq, seq, 0, List.of()));
  }

  @Test
  void indexesEntriesOldestFirstWhileItWrapsAroundAndGrows() {
    TailRing ring = new TailRing();
    long next = 1;
    // keep at most 10 entries while 1,000 pass through: the start wraps around many times
    for (int round = 0; round < 1000; round++) {
      ring.addLast(entry(next++));
      if (ring.size() > 10) {
        assertEquals(next - 11, ring.removeFirst().entry().seq());
      }
      for (int i = 0; i < ring.size(); i++) {
        assertEquals(ring.firstSeq() + i, ring.get(i).entry().seq());
      }
    }
    assertEquals(991, ring.firstSeq()); // 991..1000 kept
    // then 100 without removal: the array grows and keeps the order
    for (int i = 0; i < 100; i++) {
      ring.addLast(entry(next++));
    }
    assertEquals(110, ring.size());
    for (int i = 0; i < ring.size(); i++) {
      assertEquals(991 + i, ring.get(i).entry().seq());
    }
    ring.clear();
    assertTrue(ring.isEmpty());
    ring.addLast(entry(5000));
    assertEquals(5000, ring.firstSeq());
  }
}
