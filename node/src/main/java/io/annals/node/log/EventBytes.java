package io.annals.node.log;

import java.util.function.Supplier;
import org.apache.pekko.util.ByteString;

/**
 * The wire form of one event as a log subscriber sends it, made by the first subscriber on this
 * node that sends the event and then shared by all others: the live tail hands every subscriber the
 * same instance for the same event, so 500 subscribers of {@code /all} encode each event once, not
 * 500 times. What the bytes are is the sender's business (the HTTP layer's SSE text); two senders
 * racing both encode and one value wins, which is harmless since they are equal.
 */
public final class EventBytes {
  private volatile ByteString bytes;

  /** The bytes, made with {@code encode} if nobody has made them yet. */
  public ByteString get(Supplier<ByteString> encode) {
    ByteString b = bytes;
    if (b == null) {
      b = encode.get();
      bytes = b;
    }
    return b;
  }
}
