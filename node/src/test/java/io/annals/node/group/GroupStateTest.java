package io.annals.node.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.annals.node.journal.StoredEvent;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The delivery rules of a group, without actors: who gets what, when again, what is parked. */
class GroupStateTest {
  private static final long TIMEOUT = 1_000;

  private static StoredEvent event(String stream, long version) {
    return new StoredEvent(
        stream, version, version, UUID.randomUUID(), "T", 1, null, "{}", null, Instant.EPOCH, null);
  }

  @Test
  void aConsumerNeverHoldsMoreThanMaxInFlight() {
    GroupState g = new GroupState(2, 5, false);
    for (int i = 1; i <= 5; i++) {
      g.read("p" + i, event("s-" + i, 1));
    }
    g.connect("a");
    assertEquals(2, g.dispatch(0, TIMEOUT).size());
    assertEquals(0, g.dispatch(0, TIMEOUT).size(), "full until it acks");
    g.done(g.find("p1"));
    List<GroupState.Delivery> next = g.dispatch(0, TIMEOUT);
    assertEquals(List.of("p3"), next.stream().map(d -> d.entry().position).toList());
  }

  @Test
  void pinnedKeepsAStreamWithTheConsumerThatHoldsItsEvents() {
    GroupState g = new GroupState(10, 5, true);
    g.connect("a");
    g.connect("b");
    for (int v = 1; v <= 4; v++) {
      g.read("x" + v, event("order-1", v));
    }
    List<GroupState.Delivery> first = g.dispatch(0, TIMEOUT);
    assertEquals(4, first.size());
    String owner = first.get(0).consumer();
    assertTrue(first.stream().allMatch(d -> d.consumer().equals(owner)), "one consumer per stream");
    assertEquals(
        List.of(1L, 2L, 3L, 4L), first.stream().map(d -> d.entry().event.version()).toList());
  }

  @Test
  void whatALeaverHeldWaitsAgainAheadOfNewerEvents() {
    GroupState g = new GroupState(1, 5, false);
    g.connect("a");
    g.read("p1", event("s-1", 1));
    g.read("p2", event("s-2", 1));
    assertEquals("p1", g.dispatch(0, TIMEOUT).get(0).entry().position);
    g.disconnect("a");
    g.connect("b");
    GroupState.Delivery again = g.dispatch(0, TIMEOUT).get(0);
    assertEquals("p1", again.entry().position);
    assertEquals(2, again.entry().attempts, "a second delivery");
    assertEquals(1, g.redeliveries());
  }

  @Test
  void anEventIsParkedOnceItsAttemptsRunOut() {
    GroupState g = new GroupState(1, 2, false);
    g.connect("a");
    g.read("p1", event("s-1", 1));
    g.dispatch(0, TIMEOUT);
    assertNull(g.retry(g.find("p1"), "nacked"), "first retry waits again");
    g.dispatch(0, TIMEOUT);
    assertTrue(g.expire(TIMEOUT - 1).isEmpty(), "not yet past the ack timeout");
    List<GroupState.Expired> expired = g.expire(TIMEOUT + 1);
    assertEquals(1, expired.size());
    assertTrue(expired.get(0).reason().contains("2 deliveries"), expired.get(0).reason());
  }

  @Test
  void theCheckpointIsThePositionAfterTheLongestDonePrefix() {
    GroupState g = new GroupState(10, 5, false);
    g.connect("a");
    for (int i = 1; i <= 3; i++) {
      g.read("p" + i, event("s-" + i, 1));
    }
    g.dispatch(0, TIMEOUT);
    g.done(g.find("p2"));
    assertNull(g.fold(), "p1 is not done: nothing folds");
    g.done(g.find("p1"));
    assertEquals("p2", g.fold());
    assertEquals(1, g.buffered());
    assertNull(g.find("p1"), "a folded event is no open delivery");
    assertNotNull(g.find("p3"));
  }
}
