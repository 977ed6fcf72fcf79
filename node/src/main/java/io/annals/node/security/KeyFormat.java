package io.annals.node.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of an API key, {@code ak_<id>_<secret>}: a public id of 16 hex digits to find the stored
 * key by, and a secret of 256 random bits (64 hex digits) of which only the SHA-256 is stored. A
 * plain hash suffices for a random 256-bit secret (no password to guess); it is compared in
 * constant time.
 */
final class KeyFormat {
  private static final Pattern KEY = Pattern.compile("ak_([0-9a-f]{16})_([0-9a-f]{64})");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private KeyFormat() {}

  /** A new key: its full text, its id and the hash of its secret. */
  record NewKey(String text, String id, String sha256) {}

  static NewKey generate() {
    byte[] id = new byte[8];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    String secretHex = HEX.formatHex(secret);
    String idHex = HEX.formatHex(id);
    return new NewKey("ak_" + idHex + "_" + secretHex, idHex, sha256(secretHex));
  }

  /** Whether {@code token} has the shape of an API key (else it may be a JWT). */
  static boolean looksLikeKey(String token) {
    return token.startsWith("ak_");
  }

  /** The id and secret of {@code token}, if it is well-formed. */
  static Optional<String[]> parse(String token) {
    Matcher m = KEY.matcher(token);
    return m.matches() ? Optional.of(new String[] {m.group(1), m.group(2)}) : Optional.empty();
  }

  /** Whether {@code secret} hashes to {@code sha256} (hex), compared in constant time. */
  static boolean matches(String secret, String sha256) {
    return MessageDigest.isEqual(
        sha256(secret).getBytes(StandardCharsets.US_ASCII),
        sha256.getBytes(StandardCharsets.US_ASCII));
  }

  static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HEX.formatHex(digest.digest(text.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
