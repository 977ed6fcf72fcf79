package io.annals.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The routes that the prose docs name, as "METHOD /path/{}" (parameter names do not matter): every
 * backticked "METHOD /path" of docs/api.md, and the first cells of the README's API table.
 */
final class ProseRoutes {
  private static final Pattern DOCS_ROUTE =
      Pattern.compile("`(GET|POST|PUT|DELETE|PATCH) (/[^`?\\s]*)[^`]*`");
  private static final Pattern TABLE_ROUTE =
      Pattern.compile("`(?:(GET|POST|PUT|DELETE|PATCH) )?(/[^`?\\s]*)[^`]*`");

  private ProseRoutes() {}

  /** "GET /streams/{}/surface". */
  static String route(String method, String path) {
    return method.toUpperCase() + " " + path.replaceAll("\\{[^}]+}", "{}");
  }

  static Set<String> apiMd() throws IOException {
    Set<String> out = new TreeSet<>();
    Matcher m = DOCS_ROUTE.matcher(Files.readString(repoFile("docs/api.md")));
    while (m.find()) {
      out.add(route(m.group(1), m.group(2)));
    }
    return out;
  }

  /** The routes of the README's API table; a bare path takes the method before it in its cell. */
  static Set<String> readme() throws IOException {
    String readme = Files.readString(repoFile("README.md"));
    String table = readme.substring(readme.indexOf("\n## API"));
    table = table.substring(0, table.indexOf("\n## ", 1));
    Set<String> out = new TreeSet<>();
    for (String line : table.lines().filter(l -> l.startsWith("| `")).toList()) {
      Matcher m = TABLE_ROUTE.matcher(line.substring(1, line.indexOf('|', 1)));
      String method = null;
      while (m.find()) {
        method = m.group(1) != null ? m.group(1) : method;
        out.add(route(method, m.group(2)));
      }
    }
    return out;
  }

  /** A file of the repository, found upwards from the working directory (failsafe's: node/). */
  private static Path repoFile(String name) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("docs/api.md"))) {
        return dir.resolve(name);
      }
    }
    throw new AssertionError("no docs/api.md above " + Path.of("").toAbsolutePath());
  }
}
