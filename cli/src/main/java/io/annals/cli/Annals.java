package io.annals.cli;

import io.annals.api.client.AnnalsClient;
import io.annals.api.client.AnnalsException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.util.concurrent.CompletionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code annals} command: global options (node URL, bearer token, output form) and the
 * subcommands. A problem answered by the node is printed to stderr as its JSON and exits with 1;
 * wrong usage exits with 2.
 */
@Command(
    name = "annals",
    mixinStandardHelpOptions = true,
    version = "annals 0.1.0",
    description = "Append to, read, tail and subscribe to an Annals event store.",
    subcommands = {
      AppendCommand.class,
      ReadCommand.class,
      StreamsCommand.class,
      SurfaceCommand.class,
      InvalidateCommand.class,
      SubscribeCommand.class
    })
public final class Annals {
  @Option(
      names = "--url",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:ANNALS_URL:-http://127.0.0.1:8080}",
      description = "The node's HTTP root (env ANNALS_URL; default ${DEFAULT-VALUE}).")
  String url;

  @Option(
      names = "--token",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:ANNALS_TOKEN}",
      description = "An API key or JWT sent as Authorization: Bearer (env ANNALS_TOKEN).")
  String token;

  @Option(
      names = "--table",
      scope = ScopeType.INHERIT,
      description = "Print a table instead of JSON lines.")
  boolean table;

  InputStream stdin = System.in;

  AnnalsClient client() {
    String root = url.endsWith("/") ? url : url + "/";
    return AnnalsClient.builder(URI.create(root)).token(token).build();
  }

  Output output(CommandLine command) {
    return new Output(command.getOut(), table);
  }

  public static void main(String[] args) {
    System.exit(
        run(args, System.in, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs one command line with these streams; answers the exit code (for tests and embedding). */
  public static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err) {
    Annals root = new Annals();
    root.stdin = in;
    CommandLine line = new CommandLine(root);
    line.setOut(out);
    line.setErr(err);
    line.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          Throwable cause =
              e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof AnnalsException problem) {
            err.println(Output.json(problem.problem()));
          } else if (cause instanceof java.net.ConnectException) {
            err.println("annals: cannot reach " + root.url + " (--url, ANNALS_URL)");
          } else {
            err.println("annals: " + cause);
          }
          err.flush();
          return 1;
        });
    int code = line.execute(args);
    out.flush();
    return code;
  }
}
