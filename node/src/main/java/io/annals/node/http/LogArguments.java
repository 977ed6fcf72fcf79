package io.annals.node.http;

import io.annals.node.log.Cursor;
import io.annals.node.log.Position;
import java.util.Optional;

/**
 * The query arguments shared by the log pages and the subscriptions, parsed and checked: positions
 * of the global log and of a category log ({@code after}, {@code Last-Event-ID}). A bad value is a
 * {@link BadRequest} naming the argument.
 */
final class LogArguments {
  private final int partitions;

  LogArguments(int partitions) {
    this.partitions = partitions;
  }

  /** The start of the global log. */
  Position.All start() {
    return Position.All.start(partitions);
  }

  Optional<Position.All> allPosition(String text, String name) {
    if (text == null) {
      return Optional.empty();
    }
    if (decode(text, name) instanceof Position.All all && all.partitions().length == partitions) {
      return Optional.of(all);
    }
    throw new BadRequest(
        "invalid-query-parameter",
        name + " '" + Names.abbreviate(text) + "' is not a position of the global log");
  }

  Optional<Cursor> categoryCursor(String text, String name) {
    if (text == null) {
      return Optional.empty();
    }
    if (decode(text, name) instanceof Position.Category c) {
      return Optional.of(c.cursor());
    }
    throw new BadRequest(
        "invalid-query-parameter",
        name + " '" + Names.abbreviate(text) + "' is not a position of a category log");
  }

  static Position decode(String text, String name) {
    try {
      return Position.decode(text);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(
          "invalid-query-parameter", name + " '" + Names.abbreviate(text) + "' " + e.getMessage());
    }
  }
}
