package io.annals.node.http;

import io.annals.node.log.Cursor;
import io.annals.node.log.Position;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The query arguments shared by the log pages and the subscriptions, parsed and checked: positions
 * of the global log and of a category log ({@code after}, {@code Last-Event-ID}), category names,
 * and {@code excludeInvalidated}. A bad value is a {@link BadRequest} naming the argument.
 */
final class LogArguments {
  private static final Pattern CATEGORY = Pattern.compile("[A-Za-z0-9._:]{1,200}");
  private final int partitions;

  LogArguments(int partitions) {
    this.partitions = partitions;
  }

  /** The start of the global log. */
  Position.All start() {
    return Position.All.start(partitions);
  }

  static boolean excludeInvalidated(Map<String, String> params) {
    return StreamReads.oneOf(params, "excludeInvalidated", "false", "true").equals("true");
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
        name + " '" + AppendBody.abbreviate(text) + "' is not a position of the global log");
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
        name + " '" + AppendBody.abbreviate(text) + "' is not a position of a category log");
  }

  static Position decode(String text, String name) {
    try {
      return Position.decode(text);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(
          "invalid-query-parameter",
          name + " '" + AppendBody.abbreviate(text) + "' " + e.getMessage());
    }
  }

  static void validCategory(String category) {
    if (!CATEGORY.matcher(category).matches()) {
      throw new BadRequest(
          "invalid-category",
          "category '"
              + AppendBody.abbreviate(category)
              + "' must be 1-200 characters of A-Z a-z 0-9 . _ : (a stream name's part before"
              + " its first '-')");
    }
  }
}
