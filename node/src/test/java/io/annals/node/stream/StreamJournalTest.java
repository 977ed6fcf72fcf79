package io.annals.node.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.annals.api.ExpectedVersion;
import io.annals.node.stream.StreamEntity.AlreadyAppended;
import io.annals.node.stream.StreamEntity.Append;
import io.annals.node.stream.StreamEntity.AppendReply;
import io.annals.node.stream.StreamEntity.Appended;
import io.annals.node.stream.StreamEntity.IdempotencyConflict;
import io.annals.node.stream.StreamEntity.WrongExpectedVersion;
import io.annals.node.stream.StreamJournal.Recorded;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The write rules of one stream, on Pekko's in-memory journal: versions and transactions, expected
 * versions, idempotent retries, key de-duplication, arrival order inside a batch, and recovery.
 */
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamJournalTest {

  @JUnit5TestKit
  ActorTestKit testKit =
      ActorTestKit.create(
          EventSourcedBehaviorTestKit.config()
              .withFallback(ConfigFactory.parseResources("serialization.conf")));

  /** A 100-id window, snapshots every 5 events, at most 3 keys. */
  private static final StreamEntity.Settings SETTINGS =
      new StreamEntity.Settings(
          100, 100, 1 << 20, 100, Duration.ofMillis(50), Duration.ofSeconds(1), 5, 3);

  private EventSourcedBehaviorTestKit<StreamJournal.Command, StreamJournal.Event, StreamState> kit;
  private TestProbe<StreamEntity.Command> parent;
  private String stream;

  @BeforeEach
  void freshStream() {
    parent = testKit.createTestProbe();
    stream = "order-" + UUID.randomUUID();
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            StreamJournal.create(stream, parent.ref(), SETTINGS),
            // the state is owned by one actor and never serialized; commands and events are
            EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
    parent.expectMessage(new StreamEntity.JournalReady(0));
  }

  private static NewEvent event(String type, String data) {
    return new NewEvent(UUID.randomUUID(), type, 1, null, data, null);
  }

  private static NewEvent keyed(String key, String type, String data) {
    return new NewEvent(UUID.randomUUID(), type, 1, key, data, null);
  }

  /** Runs one batch; returns each append's reply in order and the command result. */
  private record Batch(
      List<AppendReply> replies,
      CommandResult<StreamJournal.Command, StreamJournal.Event, StreamState> result) {}

  private Batch write(List<ExpectedVersion> expected, List<List<NewEvent>> events) {
    List<TestProbe<AppendReply>> probes = new ArrayList<>();
    List<Append> appends = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      TestProbe<AppendReply> probe = testKit.createTestProbe();
      probes.add(probe);
      appends.add(new Append(expected.get(i), events.get(i), probe.ref()));
    }
    var result = kit.runCommand(new StreamJournal.WriteBatch(appends, parent.ref()));
    List<AppendReply> replies = probes.stream().map(p -> p.<AppendReply>receiveMessage()).toList();
    parent.expectMessageClass(StreamEntity.BatchWritten.class);
    return new Batch(replies, result);
  }

  private AppendReply append(ExpectedVersion expected, NewEvent... events) {
    return write(List.of(expected), List.of(List.of(events))).replies().get(0);
  }

  @Test
  void assignsConsecutiveVersionsAndOneTransactionPerAppend() {
    Appended first = (Appended) append(ExpectedVersion.NO_STREAM, event("A", "1"), event("B", "2"));
    Batch second = write(List.of(ExpectedVersion.exactly(2)), List.of(List.of(event("C", "3"))));
    Appended appended = (Appended) second.replies().get(0);
    assertEquals(
        List.of(1L, 2L, 1L),
        List.of(first.firstVersion(), first.lastVersion(), first.transaction()));
    assertEquals(
        List.of(3L, 3L, 2L),
        List.of(appended.firstVersion(), appended.lastVersion(), appended.transaction()));
    assertEquals(1, second.result().events().size());
    assertEquals(2, ((Recorded) second.result().event()).transaction());
    assertEquals(3, kit.getState().version());
    assertEquals(2, kit.getState().transaction());
  }

  @Test
  void rejectsWrongExpectedVersionWithoutWriting() {
    append(ExpectedVersion.ANY, event("A", "1"));
    Batch batch = write(List.of(ExpectedVersion.NO_STREAM), List.of(List.of(event("B", "2"))));
    WrongExpectedVersion wrong = (WrongExpectedVersion) batch.replies().get(0);
    assertEquals(ExpectedVersion.NO_STREAM, wrong.expected());
    assertEquals(1, wrong.actual());
    assertTrue(batch.result().hasNoEvents());
    assertEquals(1, kit.getState().version());
  }

  @Test
  void rejectsExistsOnAnEmptyStream() {
    assertInstanceOf(WrongExpectedVersion.class, append(ExpectedVersion.EXISTS, event("A", "1")));
    assertEquals(0, kit.getState().version());
  }

  @Test
  void decidesTheAppendsOfOneBatchInArrivalOrder() {
    Batch batch =
        write(
            List.of(
                ExpectedVersion.NO_STREAM,
                ExpectedVersion.NO_STREAM,
                ExpectedVersion.exactly(1),
                ExpectedVersion.exactly(1)),
            List.of(
                List.of(event("A", "1")),
                List.of(event("B", "2")),
                List.of(event("C", "3")),
                List.of(event("D", "4"))));
    assertInstanceOf(Appended.class, batch.replies().get(0));
    assertEquals(new WrongExpectedVersion(ExpectedVersion.exactly(0), 1), batch.replies().get(1));
    assertEquals(2, ((Appended) batch.replies().get(2)).lastVersion());
    assertEquals(new WrongExpectedVersion(ExpectedVersion.exactly(1), 2), batch.replies().get(3));
    assertEquals(
        2, batch.result().events().size(), "one journal write with the two accepted events");
    assertEquals(2, kit.getState().version());
  }

  @Test
  void answersAnExactRetryWithTheOriginalResultDespiteAStaleExpectedVersion() {
    NewEvent a = event("A", "1");
    NewEvent b = event("B", "2");
    Appended original = (Appended) append(ExpectedVersion.NO_STREAM, a, b);
    append(ExpectedVersion.ANY, event("C", "3"));
    Batch retry = write(List.of(ExpectedVersion.NO_STREAM), List.of(List.of(a, b)));
    AlreadyAppended again = (AlreadyAppended) retry.replies().get(0);
    assertEquals(original.events(), again.events());
    assertEquals(original.transaction(), again.transaction());
    assertTrue(retry.result().hasNoEvents());
    assertEquals(3, kit.getState().version());
  }

  @Test
  void recognisesARetryInsideTheSameBatch() {
    NewEvent a = event("A", "1");
    Batch batch =
        write(
            List.of(ExpectedVersion.NO_STREAM, ExpectedVersion.NO_STREAM),
            List.of(List.of(a), List.of(a)));
    assertInstanceOf(Appended.class, batch.replies().get(0));
    assertInstanceOf(AlreadyAppended.class, batch.replies().get(1));
    assertEquals(1, batch.result().events().size());
  }

  @Test
  void rejectsIdsThatPartlyMatchAnEarlierAppend() {
    NewEvent a = event("A", "1");
    NewEvent b = event("B", "2");
    append(ExpectedVersion.ANY, a, b);
    assertInstanceOf(IdempotencyConflict.class, append(ExpectedVersion.ANY, a));
    assertInstanceOf(IdempotencyConflict.class, append(ExpectedVersion.ANY, a, event("C", "3")));
    assertInstanceOf(IdempotencyConflict.class, append(ExpectedVersion.ANY, b, a));
    assertInstanceOf(
        IdempotencyConflict.class,
        append(ExpectedVersion.ANY, new NewEvent(a.id(), "A", 1, null, "9", null)));
    assertEquals(2, kit.getState().version());
  }

  @Test
  void deduplicatesAKeyedEventEqualToTheNewestOfItsKey() {
    append(ExpectedVersion.ANY, keyed("k", "Set", "{\"v\":1}"));
    Appended second =
        (Appended)
            append(
                ExpectedVersion.ANY,
                keyed("k", "Set", "{\"v\":2}"),
                keyed("k", "Set", "{\"v\":2}"),
                keyed("j", "Set", "{\"v\":1}"));
    assertEquals(
        List.of(false, true, false),
        second.events().stream().map(StreamEntity.EventOutcome::deduplicated).toList());
    assertEquals(
        List.of(2L, 2L, 3L),
        second.events().stream().map(StreamEntity.EventOutcome::version).toList());
    AlreadyAppended same =
        (AlreadyAppended) append(ExpectedVersion.ANY, keyed("k", "Set", "{\"v\":2}"));
    assertTrue(same.events().get(0).deduplicated());
    assertEquals(2, same.events().get(0).version());
    assertInstanceOf(
        Appended.class,
        append(ExpectedVersion.ANY, keyed("k", "Other", "{\"v\":2}")),
        "another type is new");
    assertEquals(4, kit.getState().version());
  }

  @Test
  void rebuildsTheIdWindowAndKeysOnRecovery() {
    NewEvent a = event("A", "1");
    append(ExpectedVersion.ANY, a);
    append(ExpectedVersion.ANY, keyed("k", "Set", "1"));
    kit.restart();
    parent.expectMessage(new StreamEntity.JournalReady(2));
    assertInstanceOf(AlreadyAppended.class, append(ExpectedVersion.exactly(7), a));
    AlreadyAppended dedup = (AlreadyAppended) append(ExpectedVersion.ANY, keyed("k", "Set", "1"));
    assertEquals(2, dedup.events().get(0).version());
    assertEquals(2, kit.getState().version());
  }

  /**
   * Data kept exactly ({@code 1e400} as sent) is compared by its compact text ({@code 1E+400}), as
   * Annals stored data before: after recovery, a retry of an event stored compact by an older node
   * and a retry of one stored exactly are both recognised, and equal keyed data is de-duplicated.
   */
  @Test
  void recognisesRetriesOfCompactAndExactDataAfterRecovery() {
    UUID old = UUID.randomUUID();
    UUID exact = UUID.randomUUID();
    String compact = "{\"n\":1E+400}";
    append(ExpectedVersion.ANY, new NewEvent(old, "A", 1, "k", compact, null));
    append(
        ExpectedVersion.ANY,
        NewEvent.exact(exact, "B", 1, null, "{\"n\": 1e400}", null, compact, null));
    kit.restart();
    parent.expectMessage(new StreamEntity.JournalReady(2));
    assertInstanceOf(
        AlreadyAppended.class,
        append(
            ExpectedVersion.ANY,
            NewEvent.exact(old, "A", 1, "k", "{\"n\":1e400}", null, compact, null)));
    assertInstanceOf(
        AlreadyAppended.class,
        append(
            ExpectedVersion.ANY,
            NewEvent.exact(exact, "B", 1, null, "{ \"n\" : 1e400 }", null, compact, null)));
    AlreadyAppended dedup =
        (AlreadyAppended)
            append(
                ExpectedVersion.ANY,
                NewEvent.exact(
                    UUID.randomUUID(), "A", 1, "k", "{\"n\":1e400}", null, compact, null));
    assertTrue(dedup.events().get(0).deduplicated());
    assertEquals(2, kit.getState().version());
  }

  @Test
  void forgetsIdsOlderThanTheWindow() {
    NewEvent first = event("A", "0");
    append(ExpectedVersion.ANY, first);
    for (int i = 0; i < 100; i++) {
      append(ExpectedVersion.ANY, event("A", Integer.toString(i + 1)));
    }
    assertInstanceOf(
        Appended.class, append(ExpectedVersion.ANY, first), "outside the 100-id window");
    assertEquals(102, kit.getState().version());
  }

  @Test
  void invalidatesATransactionOnceAndRefusesUnknownOnes() {
    append(ExpectedVersion.ANY, keyed("k", "Set", "1"));
    append(ExpectedVersion.ANY, keyed("k", "Set", "2"));
    Appended inv =
        (Appended) append(ExpectedVersion.ANY, NewEvent.invalidation(2, "\"wrong price\""));
    assertEquals(3, inv.transaction());
    assertEquals(
        new StreamEntity.UnknownTransaction(9, 3),
        append(ExpectedVersion.ANY, NewEvent.invalidation(9, "\"x\"")));
    assertInstanceOf(
        StreamEntity.NotInvalidatable.class,
        append(ExpectedVersion.ANY, NewEvent.invalidation(2, "\"again\"")));
    assertInstanceOf(
        StreamEntity.NotInvalidatable.class,
        append(ExpectedVersion.ANY, NewEvent.invalidation(3, "\"an invalidation\"")));
    assertTrue(kit.getState().isInvalidated(2));
    assertEquals(
        1,
        kit.getState().latestValid("k").version(),
        "the key falls back to its previous valid event");
    assertEquals(3, kit.getState().version());
  }

  @Test
  void writesAKeyedEventAgainWhenItsEqualNewestWasInvalidated() {
    append(ExpectedVersion.ANY, keyed("k", "Set", "1"));
    append(ExpectedVersion.ANY, keyed("k", "Set", "2"));
    append(ExpectedVersion.ANY, NewEvent.invalidation(2, "\"r\""));
    assertInstanceOf(
        AlreadyAppended.class,
        append(ExpectedVersion.ANY, keyed("k", "Set", "1")),
        "equal to the valid newest");
    assertInstanceOf(
        Appended.class,
        append(ExpectedVersion.ANY, keyed("k", "Set", "2")),
        "the equal event is invalid");
  }

  @Test
  void servesTheSurfaceInKeyOrderWithoutInvalidatedEvents() {
    append(ExpectedVersion.ANY, keyed("b", "Set", "1"), keyed("a", "Set", "1"));
    append(ExpectedVersion.ANY, keyed("b", "Set", "2"), keyed("c", "Set", "1"));
    append(ExpectedVersion.ANY, NewEvent.invalidation(2, "\"r\""));
    var result =
        kit.<StreamEntity.SurfaceReply>runCommand(r -> new StreamJournal.GetSurface(null, 10, r));
    StreamEntity.SurfacePage page = (StreamEntity.SurfacePage) result.reply();
    assertEquals(
        List.of(new StreamEntity.SurfaceEntry("a", 2), new StreamEntity.SurfaceEntry("b", 1)),
        page.entries());
    var after =
        (StreamEntity.SurfacePage)
            kit.<StreamEntity.SurfaceReply>runCommand(r -> new StreamJournal.GetSurface("a", 1, r))
                .reply();
    assertEquals(List.of(new StreamEntity.SurfaceEntry("b", 1)), after.entries());
    assertTrue(!after.more());
  }

  @Test
  void refusesAppendsBeyondTheKeyLimit() {
    append(ExpectedVersion.ANY, keyed("a", "Set", "1"), keyed("b", "Set", "1"));
    assertEquals(
        new StreamEntity.TooManyKeys(3),
        append(ExpectedVersion.ANY, keyed("c", "Set", "1"), keyed("d", "Set", "1")));
    assertInstanceOf(
        Appended.class,
        append(
            ExpectedVersion.ANY,
            keyed("a", "Set", "2"),
            keyed("c", "Set", "1"),
            keyed("c", "Set", "2")));
    assertEquals(5, kit.getState().version());
  }

  @Test
  void recoversTheSameStateFromASnapshotAndTheEventsAfterIt() {
    NewEvent early = event("A", "0");
    append(ExpectedVersion.ANY, early);
    for (int i = 0; i < 11; i++) {
      append(ExpectedVersion.ANY, keyed("k" + (i % 3), "Set", Integer.toString(i)));
    }
    append(ExpectedVersion.ANY, NewEvent.invalidation(5, "\"r\""));
    var before =
        kit.<StreamEntity.SurfaceReply>runCommand(r -> new StreamJournal.GetSurface(null, 10, r))
            .reply();
    var restarted = kit.restart();
    parent.expectMessage(new StreamEntity.JournalReady(13));
    assertEquals(13, restarted.state().version());
    assertTrue(restarted.state().isInvalidated(5));
    assertEquals(
        before,
        kit.<StreamEntity.SurfaceReply>runCommand(r -> new StreamJournal.GetSurface(null, 10, r))
            .reply());
    assertInstanceOf(
        AlreadyAppended.class, append(ExpectedVersion.ANY, early), "ids survive the snapshot");
    var snapshots =
        kit.snapshotTestKit()
            .orElseThrow()
            .persistedInStorage(StreamJournal.persistenceId(stream).id());
    assertTrue(!snapshots.isEmpty(), "a snapshot was saved (every 5 events)");
  }
}
