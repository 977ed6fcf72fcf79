package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.annals.cli.Annals;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code annals} command line, run in-process with its main's code path, against a real node on
 * Cassandra with API keys on: append from arguments, stdin and an NDJSON file, read a stream, a
 * category and the global log, follow live, list streams, the surface, invalidate, subscribe with a
 * position file across runs, tables, and problems on stderr with exit code 1.
 */
class CliIT extends OneNodeIT {
  @Override
  protected String keyspace() {
    return "cli_it";
  }

  @Override
  protected String nodeOverrides() {
    return ClientIT.securedNode();
  }

  /** What one run printed and answered. */
  record Run(int code, List<JsonNode> lines, String out, String err) {}

  /** A writer that hands over every complete line as it is printed. */
  static final class Lines extends Writer {
    final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public synchronized void write(char[] buf, int off, int len) {
      for (int i = off; i < off + len; i++) {
        if (buf[i] == '\n') {
          lines.add(partial.toString());
          partial.setLength(0);
        } else {
          partial.append(buf[i]);
        }
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  private Run run(String stdin, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--url=" + baseUrl());
    all.add("--token=" + ClientIT.ADMIN_KEY);
    return runAs(stdin, all.toArray(String[]::new));
  }

  private static Run runAs(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Annals.run(
            args,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out),
            new PrintWriter(err));
    List<JsonNode> lines = new ArrayList<>();
    out.toString().lines().filter(l -> l.startsWith("{")).forEach(l -> lines.add(parse(l)));
    return new Run(code, lines, out.toString(), err.toString());
  }

  private static JsonNode parse(String line) {
    try {
      return HttpJson.MAPPER.readTree(line);
    } catch (IOException e) {
      throw new IllegalStateException(line, e);
    }
  }

  private static String category() {
    return "cli" + UUID.randomUUID().toString().replace("-", "");
  }

  @Test
  void appendsFromArgumentsStdinAndAnNdjsonFileAndReadsThemBack() throws IOException {
    String stream = category() + "-1";
    Run args = run("", "append", stream, "-t", "Said", "--key", "k", "{\"n\":1}", "{\"n\":2}");
    assertEquals(0, args.code(), args.err());
    assertEquals(2, args.lines().get(0).path("lastVersion").asLong());
    Run stdin = run("{\"type\":\"Said\",\"data\":{\"n\":3}}\n", "append", stream, "-e", "2");
    assertEquals(3, stdin.lines().get(0).path("lastVersion").asLong(), stdin.err());
    Path file = Files.createTempFile("cli-it", ".ndjson");
    Files.writeString(
        file, "{\"type\":\"Said\",\"data\":{\"n\":4}}\n{\"type\":\"Said\",\"data\":{\"n\":5}}\n");
    Run fromFile = run("", "append", stream, "--file", file.toString());
    assertEquals(5, fromFile.lines().get(0).path("lastVersion").asLong(), fromFile.err());
    Run read = run("", "read", stream, "--page-size", "2");
    assertEquals(
        List.of(1, 2, 3, 4, 5),
        read.lines().stream().map(l -> l.path("data").path("n").asInt()).toList());
    assertEquals("k", read.lines().get(0).path("key").asText());
    Run backward = run("", "read", stream, "--backward", "--count", "2", "--table");
    assertTrue(backward.out().startsWith("VERSION"), backward.out());
    assertEquals(3, backward.out().lines().count(), backward.out());
    assertTrue(backward.out().lines().skip(1).findFirst().orElseThrow().startsWith("5 "));
  }

  @Test
  void followsACategoryFromItsStartIntoLiveEvents() throws InterruptedException {
    String category = category();
    run("", "append", category + "-1", "-t", "Said", "1");
    Lines out = new Lines();
    CompletableFuture<Integer> follow =
        CompletableFuture.supplyAsync(
            () ->
                Annals.run(
                    new String[] {
                      "read",
                      "--category",
                      category,
                      "--follow",
                      "--count",
                      "2",
                      "--url",
                      baseUrl(),
                      "--token",
                      ClientIT.ADMIN_KEY
                    },
                    new ByteArrayInputStream(new byte[0]),
                    new PrintWriter(out),
                    new PrintWriter(new StringWriter())));
    assertNotNull(out.lines.poll(20, TimeUnit.SECONDS));
    run("", "append", category + "-2", "-t", "Said", "2");
    JsonNode live = parse(out.lines.poll(20, TimeUnit.SECONDS));
    assertEquals(category + "-2", live.path("stream").asText());
    assertEquals(0, follow.orTimeout(20, TimeUnit.SECONDS).join());
  }

  @Test
  void subscribesAndResumesFromThePositionFileOnTheNextRun() throws IOException {
    String category = category();
    String stream = category + "-1";
    run("", "append", stream, "-t", "Said", "1", "2", "3");
    Path position = Files.createTempDirectory("cli-it").resolve("position");
    Run first = run("", "subscribe", stream, "-p", position.toString(), "--count", "2");
    assertEquals(
        List.of(1L, 2L), first.lines().stream().map(l -> l.path("version").asLong()).toList());
    assertEquals("2", Files.readString(position).trim());
    Run second = run("", "subscribe", stream, "-p", position.toString(), "--count", "1");
    assertEquals(3, second.lines().get(0).path("version").asLong(), second.err());
    Path categoryPosition = position.resolveSibling("category");
    run("", "subscribe", "--category", category, "-p", categoryPosition.toString(), "-c", "1");
    Run rest =
        run("", "subscribe", "--category", category, "-p", categoryPosition.toString(), "-c", "2");
    assertEquals(
        List.of(2L, 3L), rest.lines().stream().map(l -> l.path("version").asLong()).toList());
  }

  @Test
  void listsStreamsShowsTheSurfaceAndInvalidates() {
    String category = category();
    run("", "append", category + "-a", "-t", "Priced", "--key", "sku-1", "10");
    run("", "append", category + "-a", "-t", "Priced", "--key", "sku-1", "11");
    run("", "append", category + "-b", "-t", "Priced", "1");
    Run streams = run("", "streams", "--prefix", category);
    assertEquals(
        List.of(category + "-a", category + "-b"),
        streams.lines().stream().map(l -> l.path("stream").asText()).toList(),
        streams.err());
    assertEquals(11, run("", "surface", category + "-a").lines().get(0).path("data").asInt());
    Run invalidated = run("", "invalidate", category + "-a", "2", "--reason", "typo");
    assertEquals(3, invalidated.lines().get(0).path("lastVersion").asLong(), invalidated.err());
    assertEquals(10, run("", "surface", category + "-a").lines().get(0).path("data").asInt());
  }

  @Test
  void printsTheProblemAndExitsWithOneWhenTheNodeRefuses() {
    String stream = category() + "-1";
    run("", "append", stream, "-t", "Said", "1");
    Run wrong = run("", "append", stream, "-t", "Said", "-e", "0", "2");
    assertEquals(1, wrong.code());
    assertTrue(wrong.err().contains("/problems/wrong-expected-version"), wrong.err());
    Run anonymous = runAs("", "read", stream, "--url", baseUrl());
    assertEquals(1, anonymous.code());
    assertTrue(anonymous.err().contains("/problems/unauthorized"), anonymous.err());
    Run subscriber = runAs("", "subscribe", stream, "--url", baseUrl(), "--count", "1");
    assertEquals(1, subscriber.code(), "a refused subscription ends the command");
    assertEquals(2, run("", "read").code());
  }
}
