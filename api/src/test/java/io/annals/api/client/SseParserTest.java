package io.annals.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  private final List<SseMessage> messages = new ArrayList<>();
  private final List<Long> retries = new ArrayList<>();
  private final SseParser parser = new SseParser(messages::add, retries::add);

  private void lines(String... lines) {
    for (String l : lines) {
      parser.line(l);
    }
  }

  @Test
  void readsMessagesWithAnEventLine() {
    lines("retry: 1000", "id: 7", "event: Said", "data: {\"a\":1}", "");
    assertEquals(List.of(new SseMessage("7", "Said", "{\"a\":1}")), messages);
    assertEquals(List.of(1000L), retries);
  }

  @Test
  void readsMessagesWithoutAnEventLineAndSkipsComments() {
    lines(":", "", "id:8", "data:{\"b\":2}", "", ": heartbeat", "");
    assertEquals(List.of(new SseMessage("8", null, "{\"b\":2}")), messages);
  }

  @Test
  void joinsDataLinesWithLineBreaks() {
    lines("data: one", "data: two", "");
    assertEquals("one\ntwo", messages.get(0).data());
  }
}
