package io.annals.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.annals.api.ExpectedVersion;
import io.annals.api.ProposedEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code annals append STREAM [JSON...]}: events as JSON from the arguments, a file or stdin (one
 * per line for many, NDJSON), appended atomically in one request. Each event is {@code {"type",
 * "data", ...}} as in the HTTP API, or with {@code --type} just its data. Ids are chosen before the
 * first try, so the client's retries never write twice.
 */
@Command(name = "append", description = "Append events to a stream (one atomic append).")
final class AppendCommand implements Callable<Integer> {
  @ParentCommand Annals root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "STREAM", description = "The stream, e.g. order-42.")
  String stream;

  @Parameters(
      index = "1..*",
      paramLabel = "JSON",
      description = "Events (or, with --type, their data); none: read --file or stdin.")
  List<String> values = new ArrayList<>();

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "Read events from FILE (one JSON per line); - is stdin.")
  String file;

  @Option(
      names = {"-t", "--type"},
      description = "The event type; the JSON values are then the events' data.")
  String type;

  @Option(names = "--key", description = "The key of every event (with --type).")
  String key;

  @Option(
      names = {"-e", "--expected-version"},
      defaultValue = "any",
      description = "any, exists or a version (0: the stream must not exist). Default: any.")
  String expected;

  @Override
  public Integer call() throws IOException {
    List<ProposedEvent> events = new ArrayList<>();
    for (String text : inputs()) {
      events.add(event(parse(text)));
    }
    if (events.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "no events given");
    }
    root.output(spec.commandLine())
        .appended(root.client().blocking().appendToStream(stream, expected(), events));
    return 0;
  }

  private List<String> inputs() throws IOException {
    if (!values.isEmpty()) {
      return values;
    }
    InputStream in =
        file == null || file.equals("-") ? root.stdin : Files.newInputStream(Path.of(file));
    try (in) {
      String all = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      if (all.startsWith("[")) {
        List<String> out = new ArrayList<>();
        parse(all).forEach(n -> out.add(n.toString()));
        return out;
      }
      return all.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  private ProposedEvent event(JsonNode json) {
    if (type != null) {
      return new ProposedEvent(null, type, 1, key, json, null);
    }
    if (!json.isObject() || !json.path("type").isTextual() || !json.has("data")) {
      throw new ParameterException(
          spec.commandLine(), "each event needs \"type\" and \"data\" (or use --type): " + json);
    }
    try {
      return Output.JSON.treeToValue(json, ProposedEvent.class);
    } catch (JsonProcessingException e) {
      throw new ParameterException(spec.commandLine(), "not an event: " + e.getOriginalMessage());
    }
  }

  private JsonNode parse(String text) {
    try {
      return Output.JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ParameterException(spec.commandLine(), "not JSON: " + text);
    }
  }

  private ExpectedVersion expected() {
    return switch (expected) {
      case "any" -> ExpectedVersion.ANY;
      case "exists" -> ExpectedVersion.EXISTS;
      default -> {
        if (!expected.matches("\\d{1,18}")) {
          throw new ParameterException(
              spec.commandLine(), "--expected-version: any, exists or a number, not " + expected);
        }
        yield ExpectedVersion.exactly(Long.parseLong(expected));
      }
    };
  }
}
