package io.annals.api.client;

import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Turns the lines of an SSE body into {@link SseMessage}s as the HTML standard defines it: a blank
 * line ends a message, {@code :} starts a comment (heartbeats), {@code data:} lines join with line
 * breaks, {@code retry:} sets the reconnect delay. Works with and without {@code event:} lines.
 */
final class SseParser {
  private final Consumer<SseMessage> messages;
  private final LongConsumer retry;
  private String id;
  private String event;
  private StringBuilder data;

  SseParser(Consumer<SseMessage> messages, LongConsumer retry) {
    this.messages = messages;
    this.retry = retry;
  }

  void line(String line) {
    if (line.isEmpty()) {
      if (data != null) {
        messages.accept(new SseMessage(id, event, data.toString()));
      }
      id = null;
      event = null;
      data = null;
      return;
    }
    if (line.startsWith(":")) {
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "id" -> id = value;
      case "event" -> event = value;
      case "data" ->
          data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      case "retry" -> {
        if (value.matches("\\d{1,9}")) {
          retry.accept(Long.parseLong(value));
        }
      }
      default -> {}
    }
  }
}
