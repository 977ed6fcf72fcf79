package io.annals.cli;

import io.annals.api.RecordedEvent;
import io.annals.api.StreamPage;
import io.annals.api.client.BlockingAnnalsClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code annals surface STREAM}: the newest valid event of every key, by key, every page. */
@Command(name = "surface", description = "The newest valid event of every key of a stream.")
final class SurfaceCommand implements Callable<Integer> {
  @ParentCommand Annals root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "STREAM")
  String stream;

  @Override
  public Integer call() {
    Output out = root.output(spec.commandLine());
    BlockingAnnalsClient client = root.client().blocking();
    String after = null;
    while (true) {
      StreamPage page = client.readSurface(stream, after, 1000);
      for (RecordedEvent e : page.events()) {
        out.event(e);
        after = e.key();
      }
      if (page.next() == null || page.events().isEmpty()) {
        return 0;
      }
    }
  }
}
