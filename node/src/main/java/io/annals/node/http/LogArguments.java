package io.annals.node.http;

import io.annals.node.journal.Cancel;
import io.annals.node.log.Cursor;
import io.annals.node.log.LogId;
import io.annals.node.log.LogPages;
import io.annals.node.log.Position;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The query arguments shared by the log pages and the subscriptions, parsed and checked: positions
 * of the global log and of a category log ({@code after}, {@code Last-Event-ID}). A position an
 * append returned is accepted too, and resolved by {@link LogPages} to the place right after that
 * append in the log once the log has indexed it (waiting up to the request's timeout; {@link
 * NotYetIndexed} when it has not), and so is {@code end}, the log's end now. A bad value is a
 * {@link BadRequest} naming the argument.
 */
final class LogArguments {
  /**
   * {@code after=end}: the log's end now, so only newer events follow (a live tail). No position is
   * spelt so: their first byte ('a', 'c' or 's') makes them start with 'Y' or 'c'.
   */
  static final String END = "end";

  private final LogPages pages;

  LogArguments(LogPages pages) {
    this.pages = pages;
  }

  /** The start of the global log. */
  Position.All start() {
    return Position.All.start(pages.partitions());
  }

  /** Where {@code text} (null: the start) puts a reader of the global log. */
  CompletionStage<Position.All> allPosition(
      String text, String name, Duration timeout, Cancel cancel) {
    if (text == null) {
      return CompletableFuture.completedFuture(start());
    }
    if (text.equals(END)) {
      return pages.allEnd();
    }
    Position position = decode(text, name);
    if (position instanceof Position.All all && all.partitions().length == pages.partitions()) {
      return CompletableFuture.completedFuture(all);
    }
    if (position instanceof Position.Append append) {
      return resolved(pages.allAfter(append, timeout, cancel), text, name);
    }
    throw new BadRequest(
        "invalid-query-parameter",
        name + " '" + Names.abbreviate(text) + "' is not a position of the global log");
  }

  /** Where {@code text} (null: the start) puts a reader of category {@code category}'s log. */
  CompletionStage<Cursor> categoryCursor(
      String category, String text, String name, Duration timeout, Cancel cancel) {
    if (text == null) {
      return CompletableFuture.completedFuture(Cursor.START);
    }
    if (text.equals(END)) {
      return pages.categoryEnd(category);
    }
    Position position = decode(text, name);
    if (position instanceof Position.Category c) {
      return CompletableFuture.completedFuture(c.cursor());
    }
    if (position instanceof Position.Append append) {
      if (!LogId.categoryOf(append.stream()).equals(category)) {
        throw new BadRequest(
            "invalid-query-parameter",
            name
                + " is the position of an append to stream "
                + append.stream()
                + ", which is not in category "
                + category);
      }
      return resolved(pages.categoryAfter(category, append, timeout, cancel), text, name);
    }
    throw new BadRequest(
        "invalid-query-parameter",
        name + " '" + Names.abbreviate(text) + "' is not a position of a category log");
  }

  private static <P> CompletionStage<P> resolved(
      CompletionStage<Optional<P>> resolving, String text, String name) {
    return resolving
        .exceptionally(
            failure -> {
              Throwable cause =
                  failure instanceof java.util.concurrent.CompletionException
                          && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              if (cause instanceof IllegalArgumentException e) {
                throw new BadRequest("invalid-query-parameter", name + ": " + e.getMessage());
              }
              throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
            })
        .thenApply(p -> p.orElseThrow(() -> new NotYetIndexed(text)));
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
