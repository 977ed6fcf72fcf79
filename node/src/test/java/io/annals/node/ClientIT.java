package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.annals.api.AppendResult;
import io.annals.api.ExpectedVersion;
import io.annals.api.GroupDelivery;
import io.annals.api.LogPage;
import io.annals.api.ProposedEvent;
import io.annals.api.RecordedEvent;
import io.annals.api.StreamWrite;
import io.annals.api.WriteResult;
import io.annals.api.client.AnnalsClient;
import io.annals.api.client.BlockingAnnalsClient;
import io.annals.api.client.ForbiddenException;
import io.annals.api.client.StreamNotFoundException;
import io.annals.api.client.Subscription;
import io.annals.api.client.UnauthorizedException;
import io.annals.api.client.WrongExpectedVersionException;
import io.annals.node.security.ApiKeys;
import io.annals.node.security.Grant;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Java client of the api module against a real node on Cassandra, with API keys on: every call
 * of the client, its typed problems, and its subscriptions and consumer groups.
 */
class ClientIT extends OneNodeIT {
  static final String ADMIN_KEY;
  private static final Path KEYS;

  static {
    try {
      String[] admin = ApiKeys.keygen("client-admin", List.of(Grant.parse("admin:$all")));
      ADMIN_KEY = admin[0];
      KEYS = Files.createTempFile("annals-client-it", ".json");
      Files.writeString(KEYS, "[" + admin[1] + "]");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected String keyspace() {
    return "client_it";
  }

  @Override
  protected String nodeOverrides() {
    return securedNode();
  }

  /** API keys on, with {@link #ADMIN_KEY} in the key file. */
  static String securedNode() {
    return "annals.security { authentication = \"api-keys\", api-keys.file = \""
        + KEYS
        + "\" }\nannals.subscriptions.heartbeat = 1s";
  }

  private AnnalsClient client() {
    return AnnalsClient.builder(URI.create(baseUrl())).token(ADMIN_KEY).build();
  }

  private BlockingAnnalsClient blocking() {
    return client().blocking();
  }

  private static ProposedEvent event(int n) {
    return ProposedEvent.of("Counted", JsonNodeFactory.instance.objectNode().put("n", n));
  }

  private static ProposedEvent withoutId(int n) {
    return new ProposedEvent(
        null, "Counted", 1, null, JsonNodeFactory.instance.objectNode().put("n", n), null);
  }

  @Test
  void appendsAndReadsEveryEventBackAcrossPages() {
    String stream = "client-" + UUID.randomUUID();
    List<ProposedEvent> events = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      events.add(event(i));
    }
    AppendResult result = client().appendToStream(stream, ExpectedVersion.NO_STREAM, events).join();
    assertEquals(1500, result.lastVersion());
    List<RecordedEvent> read = client().readAllEvents(stream).join();
    assertEquals(1500, read.size());
    assertEquals(events.get(1499).id(), read.get(1499).id());
    assertEquals(1499, read.get(1499).data().path("n").asInt());
    assertEquals(
        1500, client().readStreamBackward(stream, 1500, 10).join().events().get(0).version());
    assertEquals(1500, client().readStreamBackward(stream, 1).join().events().get(0).version());
    assertEquals(7, client().readEvent(stream, 7).join().version());
  }

  @Test
  void givesEventsWithoutIdsTheirIdsBeforeSendingSoARepeatIsAnIdempotentRetry() {
    String stream = "client-" + UUID.randomUUID();
    AppendResult first = blocking().appendToStream(stream, List.of(withoutId(1), withoutId(2)));
    UUID id = first.events().get(0).id();
    assertNotNull(id);
    assertEquals(id, blocking().readEvent(stream, 1).id());
    ProposedEvent again = new ProposedEvent(id, "Counted", 1, null, event(1).data(), null);
    ProposedEvent again2 =
        new ProposedEvent(first.events().get(1).id(), "Counted", 1, null, event(2).data(), null);
    AppendResult retried = blocking().appendToStream(stream, List.of(again, again2));
    assertEquals(first.transaction(), retried.transaction());
    assertEquals(2, blocking().readStream(stream, 1, 10).version());
  }

  @Test
  void failsWithWrongExpectedVersionExceptionCarryingTheActualVersion() {
    String stream = "client-" + UUID.randomUUID();
    client().appendToStream(stream, ExpectedVersion.ANY, List.of(event(1))).join();
    CompletionException thrown =
        assertThrows(
            CompletionException.class,
            () ->
                client()
                    .appendToStream(stream, ExpectedVersion.NO_STREAM, List.of(event(2)))
                    .join());
    WrongExpectedVersionException wrong =
        assertInstanceOf(WrongExpectedVersionException.class, thrown.getCause());
    assertEquals(1, wrong.actualVersion());
    assertEquals(409, wrong.status());
    assertEquals("/problems/wrong-expected-version", wrong.type());
  }

  @Test
  void failsWithStreamNotFoundExceptionForANeverWrittenStream() {
    StreamNotFoundException thrown =
        assertThrows(
            StreamNotFoundException.class,
            () -> blocking().readStream("nothing-" + UUID.randomUUID(), 1, 10));
    assertTrue(thrown.getMessage().contains("stream-not-found"));
    assertTrue(thrown.detail().contains("nothing-"));
  }

  @Test
  void failsWithUnauthorizedWithoutTokenAndForbiddenOutsideTheGrants() {
    BlockingAnnalsClient anonymous = AnnalsClient.create(URI.create(baseUrl())).blocking();
    assertThrows(
        UnauthorizedException.class, () -> anonymous.appendToStream("x-1", List.of(event(1))));
    String name = "orders-only-" + UUID.randomUUID();
    JsonNode created =
        BlockingAnnalsClient.await(client().keys().create(name, List.of("write:order-")));
    String key = created.path("key").asText();
    BlockingAnnalsClient orders =
        AnnalsClient.builder(URI.create(baseUrl())).token(key).build().blocking();
    assertEquals(
        1, orders.appendToStream("order-" + UUID.randomUUID(), List.of(event(1))).lastVersion());
    ForbiddenException forbidden =
        assertThrows(
            ForbiddenException.class,
            () -> orders.appendToStream("invoice-" + UUID.randomUUID(), List.of(event(1))));
    assertEquals(403, forbidden.status());
    assertTrue(BlockingAnnalsClient.await(client().keys().list()).toString().contains(name));
    BlockingAnnalsClient.await(client().keys().delete(name));
    assertThrows(
        UnauthorizedException.class,
        () -> orders.appendToStream("order-" + UUID.randomUUID(), List.of(event(1))));
  }

  @Test
  void writesManyStreamsAndStreamsOfAppends() {
    String a = "multi-" + UUID.randomUUID();
    String b = "multi-" + UUID.randomUUID();
    List<WriteResult> results =
        blocking()
            .appendToStreams(
                List.of(
                    new StreamWrite(a, ExpectedVersion.NO_STREAM, List.of(event(1))),
                    new StreamWrite(b, ExpectedVersion.exactly(5), List.of(event(1)))));
    assertEquals(201, results.get(0).status());
    assertEquals(1, results.get(0).result().lastVersion());
    assertEquals(409, results.get(1).status());
    assertEquals("/problems/wrong-expected-version", results.get(1).problem().type());
    List<WriteResult> lines =
        BlockingAnnalsClient.await(
            client()
                .appendStream(
                    a,
                    List.of(
                        new StreamWrite(a, ExpectedVersion.exactly(1), List.of(event(2))),
                        new StreamWrite(a, ExpectedVersion.exactly(2), List.of(event(3))))));
    assertEquals(List.of(201, 201), lines.stream().map(WriteResult::status).toList());
    assertEquals(3, blocking().readStream(a, 1, 10).version());
  }

  @Test
  void readsTheSurfaceAndInvalidatesATransaction() {
    String s = "surface-" + UUID.randomUUID();
    blocking().appendToStream(s, List.of(event(1).withKey("k1"), event(2).withKey("k2")));
    blocking().appendToStream(s, List.of(event(3).withKey("k1")));
    assertEquals(
        List.of(3L, 2L),
        blocking().readSurface(s, null, 10).events().stream().map(RecordedEvent::version).toList());
    assertEquals(4, blocking().invalidateTransaction(s, 2, "wrong price").lastVersion());
    assertEquals(
        List.of(1L, 2L),
        blocking().readSurface(s, null, 10).events().stream().map(RecordedEvent::version).toList());
  }

  @Test
  void readsItsWriteFromTheCategoryAndGlobalLogsAndListsTheStream() {
    String category = "cat" + UUID.randomUUID().toString().replace("-", "");
    String stream = category + "-1";
    AppendResult written = blocking().appendToStream(stream, List.of(event(1)));
    LogPage page = blocking().readCategory(category, null, 10, written.position());
    assertEquals(List.of(stream), page.events().stream().map(RecordedEvent::stream).toList());
    assertNotNull(page.next());
    assertTrue(blocking().readCategory(category, page.next(), 10, null).events().isEmpty());
    LogPage all = blocking().readAll(null, 1000, written.position());
    assertTrue(all.events().size() >= 1);
    assertEquals(List.of(stream), blocking().listStreams(category, 1).streams());
  }

  @Test
  void subscribesToAStreamAndACategoryFromCatchUpToLive() throws InterruptedException {
    String category = "sub" + UUID.randomUUID().toString().replace("-", "");
    String stream = category + "-1";
    blocking().appendToStream(stream, List.of(event(1), event(2)));
    LinkedBlockingQueue<RecordedEvent> fromStream = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<RecordedEvent> fromCategory = new LinkedBlockingQueue<>();
    try (Subscription s = client().subscribeToStream(stream, 2, fromStream::add, t -> {});
        Subscription c = client().subscribeToCategory(category, null, fromCategory::add, t -> {})) {
      assertEquals(2, fromStream.poll(10, TimeUnit.SECONDS).version());
      blocking().appendToStream(stream, List.of(event(3)));
      assertEquals(3, fromStream.poll(10, TimeUnit.SECONDS).version());
      for (long v = 1; v <= 3; v++) {
        RecordedEvent e = fromCategory.poll(10, TimeUnit.SECONDS);
        assertEquals(v, e.version());
        assertNotNull(e.position());
      }
      assertEquals("3", s.lastEventId());
      assertNotNull(c.lastEventId());
    }
  }

  @Test
  void consumesAGroupAndAcksItsDeliveries() throws InterruptedException {
    String category = "grp" + UUID.randomUUID().toString().replace("-", "");
    String group = "g-" + UUID.randomUUID();
    blocking().appendToStream(category + "-1", List.of(event(1), event(2)));
    assertEquals(
        group,
        BlockingAnnalsClient.await(client().groups().putForCategory(group, category))
            .path("name")
            .asText());
    LinkedBlockingQueue<GroupDelivery> deliveries = new LinkedBlockingQueue<>();
    try (Subscription consumer = client().groups().consume(group, deliveries::add, t -> {})) {
      GroupDelivery first = deliveries.poll(10, TimeUnit.SECONDS);
      GroupDelivery second = deliveries.poll(10, TimeUnit.SECONDS);
      assertEquals(List.of(1L, 2L), List.of(first.event().version(), second.event().version()));
      assertEquals(1, first.attempt());
      assertEquals(
          "acked",
          BlockingAnnalsClient.await(client().groups().ack(group, List.of(first.id())))
              .get(first.id()));
      assertEquals(
          "skipped",
          BlockingAnnalsClient.await(
                  client().groups().nack(group, List.of(second.id()), "skip", "test"))
              .get(second.id()));
    }
    assertTrue(
        BlockingAnnalsClient.await(client().groups().list()).stream()
            .anyMatch(g -> g.path("name").asText().equals(group)));
    BlockingAnnalsClient.await(client().groups().delete(group));
    assertEquals(
        404,
        assertThrows(
                io.annals.api.client.AnnalsException.class,
                () -> BlockingAnnalsClient.await(client().groups().get(group)))
            .status());
  }
}
