package io.annals.node.log;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The opaque, URL-safe positions of the API. Three kinds, told apart by their first byte:
 *
 * <ul>
 *   <li>a global-log position: one {@link Cursor} per global partition;
 *   <li>a category-log position: one {@link Cursor};
 *   <li>an append position: stream and version, handed out by appends and accepted by {@code
 *       waitFor} (the log has reached the append once it indexed that version of that stream).
 * </ul>
 *
 * Encoded as unsigned varints, then base64url without padding.
 */
public sealed interface Position {
  byte ALL = 'a';
  byte CATEGORY = 'c';
  byte APPEND = 's';

  String encode();

  /** Where a reader of the global log is in each partition. */
  record All(Cursor[] partitions) implements Position {
    public static All start(int partitions) {
      Cursor[] cursors = new Cursor[partitions];
      Arrays.fill(cursors, Cursor.START);
      return new All(cursors);
    }

    public All with(int partition, Cursor cursor) {
      Cursor[] next = partitions.clone();
      next[partition] = cursor;
      return new All(next);
    }

    @Override
    public String encode() {
      Writer w = new Writer(ALL);
      w.varint(partitions.length);
      for (Cursor c : partitions) {
        w.varint(c.seq());
        w.varint(c.done());
      }
      return w.done();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof All a && Arrays.equals(partitions, a.partitions);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(partitions);
    }

    @Override
    public String toString() {
      return "All" + Arrays.toString(partitions);
    }
  }

  /** Where a reader of one category log is. */
  record Category(Cursor cursor) implements Position {
    @Override
    public String encode() {
      Writer w = new Writer(CATEGORY);
      w.varint(cursor.seq());
      w.varint(cursor.done());
      return w.done();
    }
  }

  /** The last event of an append: {@code version} of {@code stream}. */
  record Append(String stream, long version) implements Position {
    @Override
    public String encode() {
      Writer w = new Writer(APPEND);
      w.varint(version);
      w.bytes(stream.getBytes(StandardCharsets.UTF_8));
      return w.done();
    }
  }

  /**
   * Parses a position; throws {@link IllegalArgumentException} with a reason fit for a client when
   * it is not one this server wrote.
   */
  static Position decode(String text) {
    byte[] b;
    try {
      b = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("is not a position (not base64url)");
    }
    Reader r = new Reader(b);
    byte kind = r.kind();
    Position p =
        switch (kind) {
          case ALL -> {
            long n = r.varint();
            if (n < 1 || n > 4096) {
              throw new IllegalArgumentException("is not a position (bad partition count)");
            }
            Cursor[] cursors = new Cursor[(int) n];
            for (int i = 0; i < n; i++) {
              cursors[i] = r.cursor();
            }
            yield new All(cursors);
          }
          case CATEGORY -> new Category(r.cursor());
          case APPEND -> {
            long version = r.varint();
            String stream = new String(r.rest(), StandardCharsets.UTF_8);
            if (version < 1 || stream.isEmpty()) {
              throw new IllegalArgumentException("is not a position (bad append position)");
            }
            yield new Append(stream, version);
          }
          default -> throw new IllegalArgumentException("is not a position (unknown kind)");
        };
    r.end();
    return p;
  }

  /** Appends bytes, varints first. */
  final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(32);

    Writer(byte kind) {
      out.write(kind);
    }

    void varint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    void bytes(byte[] b) {
      out.writeBytes(b);
    }

    String done() {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
    }
  }

  /** Reads what {@link Writer} wrote, refusing anything malformed. */
  final class Reader {
    private final byte[] b;
    private int i;

    Reader(byte[] b) {
      this.b = b;
    }

    byte kind() {
      if (b.length == 0) {
        throw new IllegalArgumentException("is not a position (empty)");
      }
      return b[i++];
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 63; shift += 7) {
        if (i >= b.length) {
          throw new IllegalArgumentException("is not a position (truncated)");
        }
        byte x = b[i++];
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("is not a position (number too long)");
    }

    Cursor cursor() {
      long seq = varint();
      long done = varint();
      if (seq < 1 || done > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("is not a position (bad cursor)");
      }
      return new Cursor(seq, (int) done);
    }

    byte[] rest() {
      byte[] r = Arrays.copyOfRange(b, i, b.length);
      i = b.length;
      return r;
    }

    void end() {
      if (i != b.length) {
        throw new IllegalArgumentException("is not a position (trailing bytes)");
      }
    }
  }
}
