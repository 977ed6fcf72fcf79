package io.annals.node.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.annals.node.journal.StoredEvent;
import io.annals.node.journal.StreamWritten;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The node's index outbox, with probes standing in for the logs. */
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
class IndexOutboxTest {

  @JUnit5TestKit ActorTestKit testKit = ActorTestKit.create();

  private final Map<String, TestProbe<LogEntity.Command>> logs = new ConcurrentHashMap<>();

  private ActorRef<StreamWritten> outbox(Duration retry) {
    return testKit.spawn(
        IndexOutbox.create(
            1,
            retry,
            system ->
                logId ->
                    (RecipientRef<LogEntity.Command>)
                        logs.computeIfAbsent(logId, id -> testKit.createTestProbe()).ref()));
  }

  private static StoredEvent event(String stream, long version) {
    return new StoredEvent(
        stream, version, version, UUID.randomUUID(), "T", 1, null, "{}", null, Instant.EPOCH, null);
  }

  private static StreamWritten written(String stream, long version) {
    return new StreamWritten(stream, version, List.of(event(stream, version)));
  }

  @Test
  void requestsArrivingWhileABatchIsUnansweredGoOutTogetherAsTheNextBatch() {
    ActorRef<StreamWritten> outbox = outbox(Duration.ofMinutes(1));
    outbox.tell(written("order-1", 1));
    LogEntity.IndexBatch first = logs(2).get(0).expectMessageClass(LogEntity.IndexBatch.class);
    assertEquals(1, first.requests().size());
    // while the first batch is unanswered: three streams, one of them twice
    outbox.tell(written("order-2", 1));
    outbox.tell(written("order-3", 1));
    outbox.tell(written("order-2", 2));
    TestProbe<LogEntity.Command> category = logs.get(LogId.category("order"));
    TestProbe<LogEntity.Command> partition = logs.get(LogId.partition(0));
    category.expectMessageClass(LogEntity.IndexBatch.class); // the first batch, to the category
    category.expectNoMessage(Duration.ofMillis(200));
    first.replyTo().tell(new LogEntity.BatchIndexed(LogId.partition(0), first.batch()));
    LogEntity.IndexBatch second = partition.expectMessageClass(LogEntity.IndexBatch.class);
    assertEquals(List.of("order-2", "order-3"), streams(second));
    LogEntity.Index order2 = second.requests().get(0);
    assertEquals(2, order2.to());
    // the two writes of order-2 are consecutive: the tails get both events
    assertEquals(List.of(1L, 2L), order2.events().stream().map(StoredEvent::version).toList());
  }

  @Test
  void anUnansweredBatchIsSentAgainWithoutEventsUntilTheLogAnswers() {
    ActorRef<StreamWritten> outbox = outbox(Duration.ofMillis(300));
    outbox.tell(written("order-7", 3));
    TestProbe<LogEntity.Command> partition = logs(2).get(0);
    LogEntity.IndexBatch sent = partition.expectMessageClass(LogEntity.IndexBatch.class);
    LogEntity.IndexBatch again =
        partition.expectMessageClass(LogEntity.IndexBatch.class, Duration.ofSeconds(3));
    assertTrue(again.batch() > sent.batch());
    assertEquals(3, again.requests().get(0).to());
    assertTrue(again.requests().get(0).events().isEmpty());
    // an answer to the old batch does not count: the batch goes out again
    again.replyTo().tell(new LogEntity.BatchIndexed(LogId.partition(0), sent.batch()));
    LogEntity.IndexBatch third =
        partition.expectMessageClass(LogEntity.IndexBatch.class, Duration.ofSeconds(3));
    // the answer to the newest ends the retries
    third.replyTo().tell(new LogEntity.BatchIndexed(LogId.partition(0), third.batch()));
    partition.expectNoMessage(Duration.ofSeconds(1));
  }

  @Test
  void aBatchIsBoundedByEntriesAndByEventBytesAndTheRestFollows() {
    ActorRef<StreamWritten> outbox = outbox(Duration.ofMinutes(1));
    outbox.tell(written("bulk-0", 1));
    TestProbe<LogEntity.Command> partition = logs(2).get(0);
    LogEntity.IndexBatch first = partition.expectMessageClass(LogEntity.IndexBatch.class);
    // recoveries: requests without events, bounded by count
    for (int i = 1; i <= IndexOutbox.BATCH_ENTRIES + 10; i++) {
      outbox.tell(new StreamWritten("bulk-" + i, 1, List.of()));
    }
    first.replyTo().tell(new LogEntity.BatchIndexed(LogId.partition(0), first.batch()));
    LogEntity.IndexBatch second = partition.expectMessageClass(LogEntity.IndexBatch.class);
    assertEquals(IndexOutbox.BATCH_ENTRIES, second.requests().size());
    // writes with 10 KiB events meanwhile: bounded by their bytes
    String data = "\"" + "x".repeat(10 * 1024) + "\"";
    for (int i = 0; i < 20; i++) {
      StoredEvent big =
          new StoredEvent(
              "bulk-big" + i,
              1,
              1,
              UUID.randomUUID(),
              "T",
              1,
              null,
              data,
              null,
              Instant.EPOCH,
              null);
      outbox.tell(new StreamWritten("bulk-big" + i, 1, List.of(big)));
    }
    second.replyTo().tell(new LogEntity.BatchIndexed(LogId.partition(0), second.batch()));
    LogEntity.IndexBatch third = partition.expectMessageClass(LogEntity.IndexBatch.class);
    // the rest of the recoveries, then as many big writes as fit in 96 KiB (9 of ~10.2 KiB)
    assertEquals("bulk-" + (IndexOutbox.BATCH_ENTRIES + 1), third.requests().get(0).stream());
    assertEquals(19, third.requests().size());
    third.replyTo().tell(new LogEntity.BatchIndexed(LogId.partition(0), third.batch()));
    LogEntity.IndexBatch fourth = partition.expectMessageClass(LogEntity.IndexBatch.class);
    assertEquals("bulk-big9", fourth.requests().get(0).stream());
  }

  @Test
  void mergingKeepsTheHigherVersionAndOnlyConsecutiveEvents() {
    var older = new LogEntity.Index("s", 2, List.of(event("s", 2)), null);
    var gap = new LogEntity.Index("s", 5, List.of(event("s", 5)), null);
    assertEquals(List.of(5L), versions(IndexOutbox.merge(older, gap)));
    var next = new LogEntity.Index("s", 3, List.of(event("s", 3)), null);
    assertEquals(List.of(2L, 3L), versions(IndexOutbox.merge(older, next)));
    var recovery = new LogEntity.Index("s", 1, List.of(), null);
    assertEquals(older, IndexOutbox.merge(older, recovery));
  }

  /** Waits until the outbox has asked for {@code count} logs; the global partition first. */
  private List<TestProbe<LogEntity.Command>> logs(int count) {
    testKit
        .createTestProbe()
        .awaitAssert(
            () -> {
              assertEquals(count, logs.size());
              return null;
            });
    List<TestProbe<LogEntity.Command>> probes = new ArrayList<>();
    probes.add(logs.get(LogId.partition(0)));
    logs.forEach(
        (id, p) -> {
          if (!id.equals(LogId.partition(0))) {
            probes.add(p);
          }
        });
    return probes;
  }

  private static List<String> streams(LogEntity.IndexBatch batch) {
    return batch.requests().stream().map(LogEntity.Index::stream).toList();
  }

  private static List<Long> versions(LogEntity.Index index) {
    return index.events().stream().map(StoredEvent::version).toList();
  }
}
