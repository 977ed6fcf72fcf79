package io.annals.cli;

import io.annals.api.LogPage;
import io.annals.api.RecordedEvent;
import io.annals.api.StreamPage;
import io.annals.api.client.AnnalsClient;
import io.annals.api.client.BlockingAnnalsClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code annals read STREAM | --category C | --all}: every event from the start (or {@code
 * --from}/{@code --after}) to the end, page by page; {@code --follow} then keeps tailing by SSE,
 * and {@code --count N} stops after N events (like kcat's -c).
 */
@Command(name = "read", description = "Read a stream, a category or the global log.")
final class ReadCommand implements Callable<Integer> {
  @ParentCommand Annals root;
  @Spec CommandSpec spec;
  @Mixin Source source;

  @Option(names = "--from", defaultValue = "1", description = "First version (stream).")
  long from;

  @Option(names = "--after", description = "Start after this position (category, all).")
  String after;

  @Option(names = "--backward", description = "Newest first (stream; not with --follow).")
  boolean backward;

  @Option(names = "--page-size", defaultValue = "100", description = "Events per request.")
  int pageSize;

  @Option(
      names = {"-f", "--follow"},
      description = "After the end, keep printing new events as they come (SSE).")
  boolean follow;

  @Option(
      names = {"-c", "--count"},
      defaultValue = "-1",
      description = "Stop after this many events.")
  long count;

  @Override
  public Integer call() throws InterruptedException {
    source.check();
    Output out = root.output(spec.commandLine());
    Tail tail = new Tail(out, count);
    BlockingAnnalsClient client = root.client().blocking();
    if (source.stream != null) {
      readStream(client, tail);
    } else {
      readLog(client, tail);
    }
    if (follow && !tail.done()) {
      AnnalsClient async = root.client();
      return tail.follow(
          source.stream != null
              ? async.subscribeToStream(source.stream, tail.nextVersion(from), tail, tail::problem)
              : source.category != null
                  ? async.subscribeToCategory(source.category, after(tail), tail, tail::problem)
                  : async.subscribeToAll(after(tail), tail, tail::problem));
    }
    return 0;
  }

  private String after(Tail tail) {
    return tail.lastPosition() != null ? tail.lastPosition() : after;
  }

  private void readStream(BlockingAnnalsClient client, Tail tail) {
    StreamPage page =
        backward
            ? (from == 1
                ? client.readStreamBackward(source.stream, pageSize)
                : client.readStreamBackward(source.stream, from, pageSize))
            : client.readStream(source.stream, from, pageSize);
    while (true) {
      for (RecordedEvent e : page.events()) {
        tail.print(e);
        if (tail.done()) {
          return;
        }
      }
      if (page.next() == null || page.events().isEmpty()) {
        return;
      }
      long next = page.events().get(page.events().size() - 1).version() + (backward ? -1 : 1);
      page =
          backward
              ? client.readStreamBackward(source.stream, next, pageSize)
              : client.readStream(source.stream, next, pageSize);
    }
  }

  private void readLog(BlockingAnnalsClient client, Tail tail) {
    String position = after;
    while (true) {
      LogPage page =
          source.category != null
              ? client.readCategory(source.category, position, pageSize, null)
              : client.readAll(position, pageSize, null);
      for (RecordedEvent e : page.events()) {
        tail.print(e);
        if (tail.done()) {
          return;
        }
      }
      if (page.events().isEmpty() || page.next() == null) {
        return;
      }
      position = page.next();
    }
  }
}
