package io.annals.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What {@code read} and {@code subscribe} read: one stream, a category's log, or the global log.
 */
final class Source {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "STREAM", description = "A stream.")
  String stream;

  @Option(names = "--category", paramLabel = "CATEGORY", description = "A category's log.")
  String category;

  @Option(names = "--all", description = "The global log.")
  boolean all;

  /** Fails the command line unless exactly one of STREAM, --category and --all is given. */
  void check() {
    int given = (stream != null ? 1 : 0) + (category != null ? 1 : 0) + (all ? 1 : 0);
    if (given != 1) {
      throw new ParameterException(
          spec.commandLine(), "give exactly one of STREAM, --category CATEGORY and --all");
    }
  }
}
