package io.annals.node.log;

import java.util.List;

/**
 * Names of the logs a stream is indexed in. The global log is split into a fixed number of
 * partitions ({@code all-0} … {@code all-(P-1)}); a stream belongs to one by the hash of its name.
 * Each category has one log ({@code category-<name>}). P must never change for a store that has
 * data: it decides where every stream's entries are.
 */
public final class LogId {
  private static final String ALL = "all-";
  private static final String CATEGORY = "category-";

  private LogId() {}

  /** The global-log partition of {@code stream}. {@link String#hashCode} is fixed by the JLS. */
  public static int partitionOf(String stream, int partitions) {
    return Math.floorMod(stream.hashCode(), partitions);
  }

  public static String partition(int p) {
    return ALL + p;
  }

  /** The part of the stream name before the first {@code -}; the whole name when it has none. */
  public static String categoryOf(String stream) {
    int dash = stream.indexOf('-');
    return dash < 0 ? stream : stream.substring(0, dash);
  }

  public static String category(String category) {
    return CATEGORY + category;
  }

  /** Both logs {@code stream} is indexed in: its global partition and its category. */
  public static List<String> logsOf(String stream, int partitions) {
    return List.of(partition(partitionOf(stream, partitions)), category(categoryOf(stream)));
  }

  /** Reserved streams ({@code $…}) are internal and not indexed. */
  public static boolean indexed(String stream) {
    return !stream.startsWith("$");
  }
}
