package io.annals.node.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.annals.node.journal.StoredEvent;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A log write's entries reach the tails in messages that fit a remoting frame. */
class TailMessagesTest {

  private static LogEntry entry(long seq, int dataBytes) {
    StoredEvent e =
        new StoredEvent(
            "s-" + seq,
            1,
            1,
            UUID.randomUUID(),
            "T",
            1,
            null,
            "\"" + "x".repeat(dataBytes) + "\"",
            null,
            Instant.EPOCH,
            null);
    return new LogEntry(seq, "s-" + seq, 1, 1, 0, List.of(e));
  }

  @Test
  void aWriteOfManyLargeEventsIsSplitInOrderIntoMessagesOfAtMostOneMebibyte() {
    List<LogEntry> write = new java.util.ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      write.add(entry(i, 300_000));
    }
    List<List<LogEntry>> parts = LogEntity.forTails(write);
    assertTrue(parts.size() >= 3, "10 × 300 KB in messages of ≤ 1 MiB: " + parts.size());
    long seq = 1;
    for (List<LogEntry> part : parts) {
      long bytes = part.stream().mapToLong(e -> e.events().get(0).data().length()).sum();
      assertTrue(bytes <= LogEntity.TAIL_MESSAGE_BYTES, "part of " + bytes + " bytes");
      for (LogEntry e : part) {
        assertEquals(seq++, e.seq());
      }
    }
    assertEquals(11, seq);
  }

  @Test
  void smallWritesStayOneMessageAndAnEntryLargerThanTheBoundTravelsAlone() {
    assertEquals(1, LogEntity.forTails(List.of(entry(1, 10), entry(2, 10))).size());
    List<List<LogEntry>> parts =
        LogEntity.forTails(List.of(entry(1, 10), entry(2, 1_500_000), entry(3, 10)));
    assertEquals(List.of(1, 1, 1), parts.stream().map(List::size).toList());
  }
}
