package io.annals.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code annals invalidate STREAM TRANSACTION --reason R}: appends the $invalidate event. */
@Command(name = "invalidate", description = "Invalidate a transaction of a stream.")
final class InvalidateCommand implements Callable<Integer> {
  @ParentCommand Annals root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "STREAM")
  String stream;

  @Parameters(index = "1", paramLabel = "TRANSACTION")
  long transaction;

  @Option(names = "--reason", required = true, description = "Why (1-1000 characters).")
  String reason;

  @Override
  public Integer call() {
    root.output(spec.commandLine())
        .appended(root.client().blocking().invalidateTransaction(stream, transaction, reason));
    return 0;
  }
}
