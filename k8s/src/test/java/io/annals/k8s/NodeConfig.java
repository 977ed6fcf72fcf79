package io.annals.k8s;

import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node's configuration as a pod sees it: the environment file the Deployment chooses ({@code
 * -Dconfig.resource}) from the cluster-config module, over every reference.conf on the classpath
 * (the node's and Pekko's), resolved against a given environment instead of this JVM's. Also lists
 * the environment variables those files read ({@code ${?NAME}}).
 */
final class NodeConfig {
  private static final Pattern OPTIONAL_VARIABLE = Pattern.compile("\\$\\{\\?\\s*(\\w+)\\s*}");
  private static final Pattern INCLUDE =
      Pattern.compile(
          "^\\s*include\\s+(?:required\\()?(?:classpath\\()?\"([^\"]+)\"", Pattern.MULTILINE);

  private NodeConfig() {}

  /** The resolved configuration of a node started with this environment. */
  static Config resolved(String resource, Map<String, String> environment) {
    Config file =
        ConfigFactory.parseResourcesAnySyntax(
            resource, ConfigParseOptions.defaults().setAllowMissing(false));
    // ${?NAME} looks in the configuration itself before the process environment, so the given
    // environment at the root stands in for the pod's.
    return file.withFallback(ConfigFactory.defaultReferenceUnresolved())
        .withFallback(ConfigFactory.parseMap(environment, "the pod's environment"))
        .resolve(ConfigResolveOptions.noSystem());
  }

  /**
   * Every NAME of a {@code ${?NAME}} in the resource, the files it includes, and reference.conf.
   */
  static Set<String> variables(String resource) {
    Set<String> names = new TreeSet<>();
    collect(resource, names, new TreeSet<>());
    try {
      for (URL url : Collections.list(loader().getResources("reference.conf"))) {
        names.addAll(variablesIn(read(url)));
      }
    } catch (IOException e) {
      fail("cannot list reference.conf on the classpath: " + e, e);
    }
    return names;
  }

  private static void collect(String resource, Set<String> names, Set<String> seen) {
    String name = resource.contains(".") ? resource : resource + ".conf";
    if (!seen.add(name)) {
      return;
    }
    URL url = loader().getResource(name);
    if (url == null) {
      fail(name + " is not on the test classpath (module annals-cluster-config)");
    }
    String text = read(url);
    names.addAll(variablesIn(text));
    Matcher include = INCLUDE.matcher(text);
    while (include.find()) {
      collect(include.group(1), names, seen);
    }
  }

  static Set<String> variablesIn(String hocon) {
    Set<String> names = new TreeSet<>();
    Matcher m = OPTIONAL_VARIABLE.matcher(hocon);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static String read(URL url) {
    try (InputStream in = url.openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return fail("cannot read " + url + ": " + e, e);
    }
  }

  private static ClassLoader loader() {
    return NodeConfig.class.getClassLoader();
  }
}
