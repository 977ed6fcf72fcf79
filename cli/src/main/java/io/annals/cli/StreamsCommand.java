package io.annals.cli;

import io.annals.api.StreamNames;
import io.annals.api.client.BlockingAnnalsClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code annals streams}: stream names in ascending order, every page (or {@code --limit}). */
@Command(name = "streams", description = "List stream names.")
final class StreamsCommand implements Callable<Integer> {
  @ParentCommand Annals root;
  @Spec CommandSpec spec;

  @Option(names = "--after", description = "Start after this name (a prefix works as a search).")
  String after;

  @Option(names = "--prefix", description = "Only names starting with this.")
  String prefix;

  @Option(names = "--limit", defaultValue = "-1", description = "At most this many names.")
  long limit;

  @Override
  public Integer call() {
    Output out = root.output(spec.commandLine());
    BlockingAnnalsClient client = root.client().blocking();
    String position = after != null ? after : prefix;
    long printed = 0;
    while (true) {
      StreamNames page = client.listStreams(position, 1000);
      for (String name : page.streams()) {
        if ((prefix != null && !name.startsWith(prefix)) || (limit >= 0 && printed >= limit)) {
          return 0;
        }
        out.name(name);
        printed++;
      }
      if (page.next() == null) {
        return 0;
      }
      position = page.next();
    }
  }
}
