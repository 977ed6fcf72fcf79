package io.annals.cli;

import io.annals.api.RecordedEvent;
import io.annals.api.client.AnnalsClient;
import io.annals.api.client.Subscription;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code annals subscribe STREAM | --category C | --all --position-file F}: prints every event from
 * the start (or from where the file says the last run stopped) and then live ones, writing the last
 * printed event's id (its version, or its position in the log) to the file after each event, so the
 * next run resumes without a gap or a repeat.
 */
@Command(
    name = "subscribe",
    description = "Subscribe, resuming from the position saved in --position-file.")
final class SubscribeCommand implements Callable<Integer> {
  @ParentCommand Annals root;
  @Spec CommandSpec spec;
  @Mixin Source source;

  @Option(
      names = {"-p", "--position-file"},
      paramLabel = "FILE",
      description = "Where the last event's id is kept (created if missing).")
  Path positionFile;

  @Option(
      names = {"-c", "--count"},
      defaultValue = "-1",
      description = "Stop after this many events.")
  long count;

  @Override
  public Integer call() throws InterruptedException {
    source.check();
    String saved = saved();
    Tail tail =
        new Tail(
            root.output(spec.commandLine()),
            count,
            e -> save(source.stream != null ? Long.toString(e.version()) : e.position()));
    AnnalsClient client = root.client();
    java.util.function.Consumer<RecordedEvent> handler = tail;
    Subscription subscription =
        source.stream != null
            ? client.subscribeToStream(
                source.stream,
                saved == null ? 1 : Long.parseLong(saved) + 1,
                handler,
                tail::problem)
            : source.category != null
                ? client.subscribeToCategory(source.category, saved, handler, tail::problem)
                : client.subscribeToAll(saved, handler, tail::problem);
    return tail.follow(subscription);
  }

  private String saved() {
    try {
      if (positionFile == null || !Files.exists(positionFile)) {
        return null;
      }
      String text = Files.readString(positionFile, StandardCharsets.UTF_8).trim();
      return text.isEmpty() ? null : text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void save(String id) {
    if (positionFile == null || id == null) {
      return;
    }
    try {
      Path dir = positionFile.toAbsolutePath().getParent();
      Path temp = Files.createTempFile(dir, ".annals-position", ".tmp");
      Files.writeString(temp, id + "\n", StandardCharsets.UTF_8);
      Files.move(
          temp, positionFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
