package io.annals.node.http;

import io.annals.node.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Server-Sent Events on the wire, written by hand so the heartbeat can be a comment line (Pekko's
 * stock heartbeat is an empty data message, which browsers deliver as an event). One chunk of
 * events becomes one HTTP chunk.
 */
final class Sse {
  private static final ByteString HEARTBEAT = ByteString.fromString(":\n\n");

  private Sse() {}

  /** One SSE message in the API's shape; {@code type} loses any line breaks. */
  record Message(String id, String type, String data) {}

  /**
   * The response of a subscription: {@code retry:} first, then the messages, with a heartbeat
   * comment whenever nothing was sent for {@code heartbeat}.
   */
  static HttpResponse response(
      Source<List<Message>, NotUsed> messages,
      Duration retry,
      Duration heartbeat,
      Metrics metrics) {
    Source<ByteString, NotUsed> bytes =
        Source.single(ByteString.fromString("retry: " + retry.toMillis() + "\n\n"))
            .concat(messages.map(chunk -> encode(chunk, metrics)))
            .keepAlive(heartbeat, () -> HEARTBEAT)
            .watchTermination(
                (notUsed, done) -> {
                  metrics.sseSubscribers.increment();
                  done.whenComplete((d, failure) -> metrics.sseSubscribers.decrement());
                  return notUsed;
                });
    return HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM), bytes))
        .addHeader(CacheControl.create(CacheDirectives.NO_CACHE))
        .addHeader(RawHeader.create("X-Accel-Buffering", "no"));
  }

  private static ByteString encode(List<Message> chunk, Metrics metrics) {
    StringBuilder out = new StringBuilder(chunk.size() * 256);
    for (Message m : chunk) {
      out.append("id: ").append(m.id()).append('\n');
      out.append("event: ").append(oneLine(m.type())).append('\n');
      out.append("data: ").append(m.data()).append("\n\n");
    }
    metrics.sseEventsSent.add(chunk.size());
    return ByteString.fromArray(out.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static String oneLine(String s) {
    return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replaceAll("[\r\n]", " ");
  }
}
