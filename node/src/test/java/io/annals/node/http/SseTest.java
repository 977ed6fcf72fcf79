package io.annals.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.annals.node.journal.StoredEvent;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The two forms of an SSE message, and how a request picks one. */
class SseTest {
  private static final StoredEvent EVENT =
      new StoredEvent(
          "order-42",
          7,
          3,
          UUID.fromString("5192a593-8cc1-464e-81af-cd55709dc8d1"),
          "Order\nPlaced",
          1,
          null,
          "{\"n\":1}",
          null,
          Instant.parse("2026-11-23T07:04:57.123456Z"),
          null);

  @Test
  void sendsNoEventLineByDefaultSoEventSourceOnmessageGetsIt() {
    String m = Sse.message("7", Sse.Form.MESSAGE, EVENT, Sse.shared(EVENT), "}").utf8String();
    assertTrue(m.startsWith("id: 7\ndata: {"), m);
    assertTrue(m.endsWith("}\n\n"), m);
    assertEquals(-1, m.indexOf("event:"), m);
  }

  @Test
  void sendsTheTypeAsEventLineInTheNamedForm() {
    String m = Sse.message("7", Sse.Form.NAMED, EVENT, Sse.shared(EVENT), "}").utf8String();
    assertTrue(m.startsWith("id: 7\nevent: Order Placed\ndata: {"), m);
  }

  @Test
  void picksTheFormFromTheEventsParameterAndRefusesOtherValues() {
    Set<String> accepted = Set.of(Sse.FORM_PARAMETER);
    assertEquals(Sse.Form.MESSAGE, Sse.Form.of(Params.of(Map.of(), accepted)));
    assertEquals(Sse.Form.MESSAGE, Sse.Form.of(Params.of(Map.of("events", "message"), accepted)));
    assertEquals(Sse.Form.NAMED, Sse.Form.of(Params.of(Map.of("events", "named"), accepted)));
    BadRequest bad =
        assertThrows(
            BadRequest.class, () -> Sse.Form.of(Params.of(Map.of("events", "typed"), accepted)));
    assertTrue(
        bad.getMessage().contains("'events' must be one of message, named"), bad.getMessage());
  }
}
