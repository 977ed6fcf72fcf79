package io.annals.node.security;

import java.util.regex.Pattern;

/**
 * One permission: {@code action} on {@code on}, which is {@code $all} (every stream, the global
 * log, the stream list), {@code $category:<c>} (the streams of category {@code c}, and its log),
 * {@code $metrics} ({@code GET /metrics}), or a stream-name prefix such as {@code order-} (every
 * stream whose name starts with it).
 */
public record Grant(Action action, String on) {
  public static final String ALL = "$all";
  public static final String METRICS = "$metrics";
  public static final String CATEGORY = "$category:";
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:\\-]{1,200}");
  private static final Pattern CATEGORY_NAME = Pattern.compile("[A-Za-z0-9._:]{1,200}");

  public Grant {
    if (action == null) {
      throw new IllegalArgumentException("a grant needs an action");
    }
    if (on == null) {
      throw new IllegalArgumentException("a grant needs 'on'");
    }
    boolean valid =
        on.equals(ALL)
            || on.equals(METRICS)
            || (on.startsWith(CATEGORY)
                && CATEGORY_NAME.matcher(on.substring(CATEGORY.length())).matches())
            || (!on.startsWith("$") && PREFIX.matcher(on).matches());
    if (!valid) {
      throw new IllegalArgumentException(
          "'on' must be $all, $metrics, $category:<category> or a stream-name prefix (letters,"
              + " digits, . _ : -, 1-200 characters); was '"
              + abbreviate(on)
              + "'");
    }
  }

  /** Parses the compact form {@code "<action>:<on>"}, as in a JWT claim: {@code write:order-}. */
  public static Grant parse(String compact) {
    int colon = compact.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "a grant is written <action>:<on>, like write:order-; was '" + abbreviate(compact) + "'");
    }
    return new Grant(Action.parse(compact.substring(0, colon)), compact.substring(colon + 1));
  }

  /** Whether this grant lets its holder do {@code wanted} to stream {@code stream}. */
  boolean coversStream(Action wanted, String stream) {
    return allows(wanted)
        && (on.equals(ALL)
            || (on.startsWith(CATEGORY) && on.substring(CATEGORY.length()).equals(category(stream)))
            || (!on.startsWith("$") && stream.startsWith(on)));
  }

  /**
   * Whether this grant lets its holder do {@code wanted} to every stream of {@code category} and
   * its log: {@code $all}, that category, or a prefix every name of the category starts with (a
   * category's streams are {@code <category>} and {@code <category>-<id>}, so only a prefix of the
   * category's own name covers them all: {@code order} does, {@code order-} does not, as it leaves
   * out the stream {@code order}).
   */
  boolean coversCategory(Action wanted, String category) {
    return allows(wanted)
        && (on.equals(ALL)
            || on.equals(CATEGORY + category)
            || (!on.startsWith("$") && category.startsWith(on)));
  }

  /** Whether this grant is {@code wanted} (or admin) on {@code target} itself ($all, $metrics). */
  boolean coversTarget(Action wanted, String target) {
    return allows(wanted) && (on.equals(target) || (on.equals(ALL) && !target.equals(METRICS)));
  }

  private boolean allows(Action wanted) {
    return action == wanted || action == Action.ADMIN;
  }

  /** The category of a stream: its name up to the first '-' (the whole name without one). */
  public static String category(String stream) {
    int dash = stream.indexOf('-');
    return dash < 0 ? stream : stream.substring(0, dash);
  }

  @Override
  public String toString() {
    return action.wire() + ":" + on;
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 60) + "...";
  }
}
