package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.annals.node.security.ApiKeys;
import io.annals.node.security.Grant;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The web console in a real browser, and CORS, on a node with API keys on: Debian's headless
 * Chromium, driven by puppeteer-core (installed by npm into {@code target/console-test} on first
 * use) running {@code src/test/console/console.mjs}, opens {@code /console} (public), enters a
 * token, tails a category, appends through the form and sees the events in the tail; the test
 * restarts the node on the same port under the open page and the tail resumes with neither a gap
 * nor a duplicate. Screenshots land in {@code target/console-test/}.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleIT {
  private static final String ORIGIN = "https://app.example";
  private static final Path WORK = Path.of("target", "console-test");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String AUTH = "Authorization";

  private static final String[] KEY = ApiKeys.keygen("console", List.of(Grant.parse("admin:$all")));

  private static final String BEARER = "Bearer " + KEY[0];

  private Config config;
  private AnnalsNode node;

  @BeforeAll
  void startNode() throws IOException {
    Assumptions.assumeTrue(
        RealCassandra.externalNode().isEmpty(), "restarts the node: needs it in this JVM");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    config =
        ConfigFactory.parseString(
                "annals.http.port = "
                    + port
                    + "\nannals.http.cors.allowed-origins = [\""
                    + ORIGIN
                    + "\"]\nannals.http.close-grace = 0s"
                    + "\nannals.security.authentication = api-keys"
                    + "\nannals.security.api-keys.file = \""
                    + keyFile()
                    + "\"")
            .withFallback(RealCassandra.nodeConfig("console_it"));
    node = AnnalsNode.start(config, Duration.ofMinutes(2));
  }

  private static Path keyFile() throws IOException {
    Path file = Files.createTempFile("console-it-keys", ".json");
    Files.writeString(file, "[" + KEY[1] + "]");
    file.toFile().deleteOnExit();
    return file;
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void answersPreflightsAndMarksAnswersForAllowedOriginsOnly() throws Exception {
    HttpResponse<String> preflight =
        send(
            "OPTIONS",
            "/streams/a-1",
            "Origin",
            ORIGIN,
            "Access-Control-Request-Method",
            "POST",
            "Access-Control-Request-Headers",
            "authorization, content-type");
    assertEquals(204, preflight.statusCode(), "a preflight needs no token");
    assertEquals(ORIGIN, header(preflight, "Access-Control-Allow-Origin"));
    assertTrue(header(preflight, "Access-Control-Allow-Headers").contains("If-Match"));
    assertTrue(header(preflight, "Access-Control-Allow-Methods").contains("POST"));

    HttpResponse<String> read =
        send("GET", "/streams/never-written", "Origin", ORIGIN, AUTH, BEARER);
    assertEquals(404, read.statusCode());
    assertEquals(ORIGIN, header(read, "Access-Control-Allow-Origin"));
    assertTrue(header(read, "Access-Control-Expose-Headers").contains("ETag"));
    assertTrue(header(read, "Access-Control-Expose-Headers").contains("Last-Event-ID"));
    HttpResponse<String> noToken = send("GET", "/streams/never-written", "Origin", ORIGIN);
    assertEquals(401, noToken.statusCode());
    assertEquals(ORIGIN, header(noToken, "Access-Control-Allow-Origin"), "errors are marked too");
    assertTrue(header(noToken, "Access-Control-Expose-Headers").contains("WWW-Authenticate"));

    HttpResponse<String> other =
        send("GET", "/streams/never-written", "Origin", "https://evil", AUTH, BEARER);
    assertNull(header(other, "Access-Control-Allow-Origin"), "another origin gets nothing");
    HttpResponse<String> otherPreflight =
        send(
            "OPTIONS",
            "/streams/a-1",
            "Origin",
            "https://evil",
            "Access-Control-Request-Method",
            "GET");
    assertEquals(401, otherPreflight.statusCode(), "not a preflight: an unauthenticated OPTIONS");
    assertNull(header(otherPreflight, "Access-Control-Allow-Origin"));
  }

  @Test
  void servesTheConsoleWithoutAToken() throws Exception {
    HttpResponse<String> page = send("GET", "/console");
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("/console/console.js"), page.body());
    assertEquals(200, send("GET", "/console/sse.js").statusCode());
    assertEquals(404, send("GET", "/console/nothing.js").statusCode());
  }

  @Test
  void theConsoleTailsAppendsFromItsFormAcrossANodeRestartWithoutGapOrDuplicate() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of(chromium())), "needs Chromium at " + chromium());
    Assumptions.assumeTrue(onPath("node") && onPath("npm"), "needs node and npm on the PATH");
    installPuppeteer();
    String category = "console" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);

    ProcessBuilder console =
        new ProcessBuilder(
                "node", "console.mjs", node.baseUrl(), WORK.toAbsolutePath().toString(), category)
            .directory(WORK.toFile())
            .redirectErrorStream(true);
    console.environment().put("ANNALS_TOKEN", KEY[0]);
    Process script = console.start();
    List<String> output = new ArrayList<>();
    try (BufferedReader out =
            new BufferedReader(
                new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8));
        Writer in = new OutputStreamWriter(script.getOutputStream(), StandardCharsets.UTF_8)) {
      String line;
      while ((line = out.readLine()) != null) {
        output.add(line);
        if (line.equals("RESTART")) {
          node.close();
          node = AnnalsNode.start(config, Duration.ofMinutes(2));
          in.write("restarted\n");
          in.flush();
        }
      }
      assertTrue(script.waitFor(60, TimeUnit.SECONDS), "the script ends");
    } finally {
      script.destroyForcibly();
    }
    assertEquals(0, script.exitValue(), () -> String.join("\n", output));
    assertTrue(output.contains("RESTART"), () -> String.join("\n", output));
    assertTrue(
        output.stream().anyMatch(l -> l.equals("OK tail [1,2,3,4,5]")),
        () -> String.join("\n", output));
  }

  /** Installs puppeteer-core (the pinned version, no browser download) once per target dir. */
  private static void installPuppeteer() throws Exception {
    Files.createDirectories(WORK);
    Path sources = Path.of("src", "test", "console");
    for (String f : List.of("package.json", "console.mjs")) {
      Files.copy(sources.resolve(f), WORK.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    if (Files.isDirectory(WORK.resolve("node_modules/puppeteer-core"))) {
      return;
    }
    ProcessBuilder npm =
        new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
            .directory(WORK.toFile())
            .redirectErrorStream(true);
    npm.environment().put("PUPPETEER_SKIP_DOWNLOAD", "1");
    Process p = npm.start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "npm install ends");
    assertEquals(0, p.exitValue(), () -> "npm install failed:\n" + log);
  }

  private static String chromium() {
    String env = System.getenv("CHROMIUM");
    return env != null ? env : "/usr/bin/chromium";
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  private HttpResponse<String> send(String method, String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }
}
