package io.annals.node.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.annals.api.ExpectedVersion;
import io.annals.node.stream.StreamEntity.Append;
import io.annals.node.stream.StreamEntity.AppendReply;
import io.annals.node.stream.StreamEntity.Appended;
import io.annals.node.stream.StreamEntity.Unavailable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.JournalOperation;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.ProcessingPolicy;
import org.apache.pekko.persistence.testkit.ProcessingResult;
import org.apache.pekko.persistence.testkit.ProcessingSuccess$;
import org.apache.pekko.persistence.testkit.StorageFailure;
import org.apache.pekko.persistence.testkit.WriteEvents;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The front actor's pipelining on Pekko's in-memory test journal: appends queued behind a write go
 * out together as the next batch, and a failed write answers its appends and everything queued
 * behind them 503, leaves the stream a gap-free prefix of the acknowledged appends, and the stream
 * is writable again after it recovered.
 */
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamEntityTest {
  private static final String POISON = "\"poison\"";

  @JUnit5TestKit
  ActorTestKit testKit =
      ActorTestKit.create(
          PersistenceTestKitPlugin.getInstance()
              .config()
              .withFallback(ConfigFactory.parseResources("serialization.conf")));

  private PersistenceTestKit journal;
  private final List<Integer> batchSizes = new ArrayList<>();
  private final StreamEntity.Settings settings =
      new StreamEntity.Settings(
          1000, 1000, 1 << 20, 1000, Duration.ofMillis(50), Duration.ofMillis(200), 0, 1000);

  @BeforeEach
  void journalThatFailsWritesCarryingPoison() {
    journal = PersistenceTestKit.create(testKit.system());
    journal.clearAll();
    batchSizes.clear();
    journal.withPolicy(
        new ProcessingPolicy<JournalOperation>() {
          @Override
          public ProcessingResult tryProcess(String persistenceId, JournalOperation op) {
            if (op instanceof WriteEvents write) {
              List<Object> events = CollectionConverters.asJava(write.batch());
              synchronized (batchSizes) {
                batchSizes.add(events.size());
              }
              if (events.stream()
                  .anyMatch(e -> ((StreamJournal.Recorded) e).data().equals(POISON))) {
                return new StorageFailure(new RuntimeException("injected journal failure"));
              }
            }
            return ProcessingSuccess$.MODULE$;
          }
        });
  }

  private static NewEvent event(String data) {
    return new NewEvent(UUID.randomUUID(), "Tick", 1, null, data, null);
  }

  private List<TestProbe<AppendReply>> burst(
      ActorRef<StreamEntity.Command> entity, List<String> datas) {
    List<TestProbe<AppendReply>> probes = new ArrayList<>();
    for (String data : datas) {
      TestProbe<AppendReply> probe = testKit.createTestProbe();
      probes.add(probe);
      entity.tell(new Append(ExpectedVersion.ANY, List.of(event(data)), probe.ref()));
    }
    return probes;
  }

  private static List<String> numbered(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(Integer.toString(i));
    }
    return out;
  }

  @Test
  void groupsAppendsQueuedBehindAWriteIntoOneJournalWrite() {
    String stream = "s-" + UUID.randomUUID();
    var entity = testKit.spawn(StreamEntity.create(stream, settings));
    List<TestProbe<AppendReply>> probes = burst(entity, numbered(0, 50));
    for (int i = 0; i < 50; i++) {
      Appended a = (Appended) probes.get(i).receiveMessage();
      assertEquals(i + 1L, a.lastVersion(), "answered in arrival order with consecutive versions");
    }
    assertEquals(50, journal.persistedInStorage(StreamJournal.persistenceId(stream).id()).size());
    assertTrue(
        batchSizes.size() < 50 && batchSizes.stream().anyMatch(n -> n > 1),
        "batches: " + batchSizes);
  }

  @Test
  void answersTheFailedBatchAndEverythingQueuedBehindIt503AndKeepsAGapFreePrefix() {
    String stream = "s-" + UUID.randomUUID();
    var entity = testKit.spawn(StreamEntity.create(stream, settings));
    List<String> datas = numbered(0, 10);
    datas.add(POISON);
    datas.addAll(numbered(11, 30));
    List<TestProbe<AppendReply>> probes = burst(entity, datas);

    List<String> acknowledged = new ArrayList<>();
    boolean failed = false;
    for (int i = 0; i < probes.size(); i++) {
      AppendReply reply = probes.get(i).receiveMessage();
      if (reply instanceof Appended a) {
        assertTrue(!failed, "no append after a failed one succeeds (append " + i + ")");
        assertEquals(acknowledged.size() + 1L, a.lastVersion());
        acknowledged.add(datas.get(i));
      } else {
        assertInstanceOf(Unavailable.class, reply);
        failed = true;
      }
    }
    assertTrue(failed && !acknowledged.contains(POISON));
    List<String> stored =
        journal.persistedInStorage(StreamJournal.persistenceId(stream).id()).stream()
            .map(e -> ((StreamJournal.Recorded) e).data())
            .toList();
    assertEquals(acknowledged, stored, "the journal holds exactly the acknowledged prefix");

    TestProbe<AppendReply> after = testKit.createTestProbe();
    after.awaitAssert(
        Duration.ofSeconds(5),
        () -> {
          entity.tell(
              new Append(
                  ExpectedVersion.exactly(acknowledged.size()),
                  List.of(event("after")),
                  after.ref()));
          assertInstanceOf(Appended.class, after.receiveMessage(), "writable again after recovery");
          return null;
        });
  }

  @Test
  void answersOverflowingAppends503InsteadOfQueueingThem() {
    StreamEntity.Settings tiny =
        new StreamEntity.Settings(
            2, 1000, 1 << 20, 1000, Duration.ofMillis(50), Duration.ofMillis(200), 0, 1000);
    var entity = testKit.spawn(StreamEntity.create("s-" + UUID.randomUUID(), tiny));
    List<TestProbe<AppendReply>> probes = burst(entity, numbered(0, 20));
    long unavailable =
        probes.stream().map(p -> p.receiveMessage()).filter(r -> r instanceof Unavailable).count();
    assertTrue(unavailable > 0, "a queue of 2 cannot hold a burst of 20 behind the first write");
  }
}
