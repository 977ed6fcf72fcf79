package io.annals.node.group;

import io.annals.node.journal.Cancel;
import io.annals.node.journal.StoredEvent;
import io.annals.node.log.Cursor;
import io.annals.node.log.LogId;
import io.annals.node.log.LogReads;
import io.annals.node.log.Position;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A group's events: its category's log or the global log, read from a position (catch-up, then
 * live) through the log subscriptions, each event with the position right after it, which is both
 * its delivery id and, once it and everything before it is acknowledged, the group's checkpoint.
 */
public final class GroupSource {
  /** One event of the source and the position after it. */
  public record Item(String position, StoredEvent event) {}

  private final LogReads logs;

  public GroupSource(LogReads logs) {
    this.logs = logs;
  }

  /** The events of {@code settings}' source after {@code from} (an encoded position). */
  Source<List<Item>, NotUsed> after(GroupSettings settings, String from) {
    if (settings.category() != null) {
      Cursor cursor = ((Position.Category) Position.decode(from)).cursor();
      return logs.subscriptions()
          // a group stops its source with a kill switch, not through a Cancel
          .log(LogId.category(settings.category()), cursor, Cancel.NEVER)
          .map(
              chunk -> {
                List<Item> items = new ArrayList<>(chunk.size());
                chunk.forEach(
                    e -> items.add(new Item(new Position.Category(e.after()).encode(), e.event())));
                return items;
              });
    }
    Position.All all = (Position.All) Position.decode(from);
    return logs.subscriptions()
        .all(all, Cancel.NEVER)
        .map(
            chunk -> {
              List<Item> items = new ArrayList<>(chunk.size());
              chunk.forEach(p -> items.add(new Item(p.first().encode(), p.second().event())));
              return items;
            });
  }

  /**
   * Where a group with this source and {@code start} begins: the log's start, its end now, or the
   * position given (checked to be one of this source; {@link IllegalArgumentException} if not).
   */
  public CompletionStage<String> resolve(String category, String start) {
    int partitions = logs.pages().partitions();
    if (start.equals("beginning")) {
      return CompletableFuture.completedFuture(
          category != null
              ? new Position.Category(Cursor.START).encode()
              : Position.All.start(partitions).encode());
    }
    if (start.equals("end")) {
      return category != null
          ? logs.pages().categoryEnd(category).thenApply(c -> new Position.Category(c).encode())
          : logs.pages().allEnd().thenApply(Position.All::encode);
    }
    Position p = Position.decode(start);
    boolean fits =
        category != null
            ? p instanceof Position.Category
            : p instanceof Position.All a && a.partitions().length == partitions;
    if (!fits) {
      throw new IllegalArgumentException(
          "start is not a position of " + (category == null ? "the global log" : "a category log"));
    }
    return CompletableFuture.completedFuture(start);
  }

  /**
   * Index entries (appends) of the source after {@code checkpoint}: the group's lag, counted in
   * appends (an append of n events counts once).
   */
  public CompletionStage<Long> lag(String category, String checkpoint) {
    Position p = Position.decode(checkpoint);
    if (category != null) {
      Cursor at = ((Position.Category) p).cursor();
      return logs.pages().categoryEnd(category).thenApply(end -> behind(at, end));
    }
    Cursor[] at = ((Position.All) p).partitions();
    return logs.pages()
        .allEnd()
        .thenApply(
            end -> {
              long lag = 0;
              for (int i = 0; i < at.length; i++) {
                lag += behind(at[i], end.partitions()[i]);
              }
              return lag;
            });
  }

  private static long behind(Cursor at, Cursor end) {
    return Math.max(0, end.seq() - at.seq());
  }
}
