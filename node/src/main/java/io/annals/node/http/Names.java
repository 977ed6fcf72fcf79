package io.annals.node.http;

import java.util.regex.Pattern;

/**
 * The names a request carries in its path, checked, and how a value is quoted back in an error: a
 * {@link BadRequest} naming what is wrong.
 */
final class Names {
  private static final Pattern STREAM_NAME = Pattern.compile("[A-Za-z0-9._:\\-]{1,200}");
  private static final Pattern CATEGORY = Pattern.compile("[A-Za-z0-9._:]{1,200}");

  private Names() {}

  static String validStreamName(String stream) {
    if (!STREAM_NAME.matcher(stream).matches()) {
      throw new BadRequest(
          "invalid-stream-name",
          "stream name '"
              + abbreviate(stream)
              + "' is invalid: use 1-200 characters of"
              + " A-Z a-z 0-9 . _ : - (names starting with $ are reserved)");
    }
    if (stream.equals(".") || stream.equals("..")) {
      // a URL path segment of its own that clients and proxies resolve away: no route reaches it
      throw new BadRequest(
          "invalid-stream-name", "stream name '" + stream + "' is invalid: it is a path segment");
    }
    return stream;
  }

  static void validCategory(String category) {
    if (!CATEGORY.matcher(category).matches()) {
      throw new BadRequest(
          "invalid-category",
          "category '"
              + abbreviate(category)
              + "' must be 1-200 characters of A-Z a-z 0-9 . _ : (a stream name's part before"
              + " its first '-')");
    }
  }

  /** {@code s} as quoted in an error: at most 60 characters. */
  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
