package io.annals.node.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text that may be stored: a request body must be well-formed UTF-8 (no overlong forms, no encoded
 * surrogates, nothing above U+10FFFF), and no string of it may hold a lone surrogate (as a JSON
 * escape such as {@code "\ud800"} can). Such text would be taken and then fail the stream's whole
 * journal batch at serialization, so it is refused before anything is queued.
 */
final class Text {
  private Text() {}

  /** Refuses a body that is not well-formed UTF-8 (400, naming the byte offset). */
  static void requireUtf8(byte[] body) {
    int i = 0;
    while (i < body.length && body[i] >= 0) {
      i++;
    }
    if (i == body.length) {
      return; // ASCII
    }
    ByteBuffer in = ByteBuffer.wrap(body);
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(in);
    } catch (CharacterCodingException e) {
      throw new BadRequest(
          "malformed-json",
          "the body is not well-formed UTF-8 (at or after byte " + in.position() + ")");
    }
  }

  /** {@code s} unchanged, or 400 naming {@code member} when it holds a lone surrogate. */
  static String wellFormed(String s, String member) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw BadRequest.invalid(
            member
                + " holds a lone surrogate (U+"
                + Integer.toHexString(c).toUpperCase()
                + "), which is not text; escape it in pairs or not at all");
      }
    }
    return s;
  }
}
