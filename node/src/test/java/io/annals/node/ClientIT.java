package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.annals.api.AppendResult;
import io.annals.api.ExpectedVersion;
import io.annals.api.ProposedEvent;
import io.annals.api.RecordedEvent;
import io.annals.api.client.AnnalsClient;
import io.annals.api.client.StreamNotFoundException;
import io.annals.api.client.WrongExpectedVersionException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The Java client of the api module against a real node on Cassandra. */
class ClientIT extends OneNodeIT {

  @Override
  protected String keyspace() {
    return "client_it";
  }

  private AnnalsClient client() {
    return AnnalsClient.create(URI.create(baseUrl()));
  }

  private static ProposedEvent event(int n) {
    return ProposedEvent.of("Counted", JsonNodeFactory.instance.objectNode().put("n", n));
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
    assertEquals(7, client().readEvent(stream, 7).join().version());
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
  }

  @Test
  void failsWithStreamNotFoundExceptionForANeverWrittenStream() {
    CompletionException thrown =
        assertThrows(
            CompletionException.class,
            () -> client().readStream("nothing-" + UUID.randomUUID(), 1, 10).join());
    assertInstanceOf(StreamNotFoundException.class, thrown.getCause());
    assertTrue(thrown.getCause().getMessage().contains("stream-not-found"));
  }
}
