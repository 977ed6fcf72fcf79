package io.annals.node.http;

import io.annals.node.journal.StoredEvent;
import io.annals.node.metrics.Metrics;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
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
import org.apache.pekko.util.ByteStringBuilder;

/**
 * Server-Sent Events on the wire, written by hand so the heartbeat can be a comment line (Pekko's
 * stock heartbeat is an empty data message, which browsers deliver as an event). A chunk of events
 * is encoded lazily, into pieces of about {@code chunk-bytes} each, as the connection takes them: a
 * stalled client holds its chunk as the events it was read as, plus a piece or two of bytes. Most
 * of a message ({@link #shared}) is the same for every subscriber, so log subscriptions keep it in
 * the event's {@link io.annals.node.log.EventBytes} and only the id and position are their own.
 */
final class Sse {
  private static final ByteString HEARTBEAT = ByteString.fromString(":\n\n");
  private static final ByteString EVENT = ByteString.fromString("\nevent: ");
  private static final ByteString DATA = ByteString.fromString("\ndata: ");

  /** The query parameter that picks the {@link Form} of the messages. */
  static final String FORM_PARAMETER = "events";

  private Sse() {}

  /**
   * How messages name their event. {@code MESSAGE} (the default) sends no {@code event:} line, so a
   * browser's {@code EventSource.onmessage} gets every event (the type is in the JSON); {@code
   * NAMED} ({@code ?events=named}) sends {@code event: <type>}, for {@code addEventListener(type)};
   * {@code CLOUDEVENTS} ({@code ?events=cloudevents}) sends each event's data as a structured
   * CloudEvent (JSON) instead of Annals' event object, without an {@code event:} line.
   */
  enum Form {
    MESSAGE,
    NAMED,
    CLOUDEVENTS;

    /**
     * The form a request asks for with {@code events=message|named|cloudevents}; a 400 for another
     * value.
     */
    static Form of(Params params) {
      return switch (params.oneOf(FORM_PARAMETER, "message", "named", "cloudevents")) {
        case "named" -> NAMED;
        case "cloudevents" -> CLOUDEVENTS;
        default -> MESSAGE;
      };
    }

    /** The {@code event:} line of {@code event} in this form (empty but for {@code NAMED}). */
    ByteString eventLine(StoredEvent event) {
      return this != NAMED
          ? ByteString.emptyByteString()
          : EVENT.concat(ByteString.fromString(oneLine(event.type())));
    }
  }

  /**
   * The part of an event's message that every subscriber sends alike, whatever its {@link Form}:
   * its {@code data:} line up to the JSON's closing brace.
   */
  static ByteString shared(StoredEvent event) {
    return DATA.concat(EventJson.open(event));
  }

  /**
   * A whole message: the {@code id:} line, the {@code event:} line of {@code form}, the {@link
   * #shared} part, then {@code jsonEnd} (the rest of the JSON object, ending with its {@code '}'})
   * and the blank line that ends the message.
   */
  static ByteString message(
      String id, Form form, StoredEvent event, ByteString shared, String jsonEnd) {
    if (form == Form.CLOUDEVENTS) {
      // the event as the API reads it, then as a CloudEvent (on one line: compact JSON)
      String annals = EventJson.open(event).utf8String() + jsonEnd;
      String ce;
      try {
        ce = CloudEvents.fromEvent(Json.MAPPER.readTree(annals)).toString();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return ByteString.fromString("id: " + id + "\ndata: " + ce + "\n\n");
    }
    return ByteString.fromString("id: " + id)
        .concat(form.eventLine(event))
        .concat(shared)
        .concat(ByteString.fromString(jsonEnd + "\n\n"));
  }

  /**
   * The response of a subscription: {@code retry:} first, then the messages of the chunks (each
   * element encoded by {@code message} only when its piece is made), with a heartbeat comment
   * whenever nothing was sent for {@code heartbeat}.
   */
  static <T> HttpResponse response(
      Source<List<T>, NotUsed> chunks,
      Function<T, ByteString> message,
      Settings settings,
      Metrics metrics,
      Runnable closed) {
    Source<ByteString, NotUsed> bytes =
        Source.single(ByteString.fromString("retry: " + settings.retry().toMillis() + "\n\n"))
            .concat(
                chunks.mapConcat(
                    chunk -> () -> new Pieces<>(chunk, message, settings.pieceBytes(), metrics)))
            .keepAlive(settings.heartbeat(), () -> HEARTBEAT)
            .watchTermination(
                (notUsed, done) -> {
                  metrics.sseSubscribers.increment();
                  done.whenComplete(
                      (d, failure) -> {
                        metrics.sseSubscribers.decrement();
                        closed.run();
                      });
                  return notUsed;
                });
    return HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM), bytes))
        .addHeader(CacheControl.create(CacheDirectives.NO_CACHE))
        .addHeader(RawHeader.create("X-Accel-Buffering", "no"));
  }

  /** What every subscription response shares: see {@code annals.subscriptions}. */
  record Settings(Duration retry, Duration heartbeat, int pieceBytes) {}

  /** The encoded pieces of one chunk: whole messages, about {@code pieceBytes} per piece. */
  private static final class Pieces<T> implements Iterator<ByteString> {
    private final List<T> chunk;
    private final Function<T, ByteString> message;
    private final int pieceBytes;
    private final Metrics metrics;
    private int next;

    Pieces(List<T> chunk, Function<T, ByteString> message, int pieceBytes, Metrics metrics) {
      this.chunk = chunk;
      this.message = message;
      this.pieceBytes = pieceBytes;
      this.metrics = metrics;
    }

    @Override
    public boolean hasNext() {
      return next < chunk.size();
    }

    @Override
    public ByteString next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      ByteStringBuilder out = new ByteStringBuilder();
      int first = next;
      while (next < chunk.size() && (next == first || out.length() < pieceBytes)) {
        out.append(message.apply(chunk.get(next++)));
      }
      metrics.sseEventsSent.add(next - first);
      return out.result();
    }
  }

  private static String oneLine(String s) {
    return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replaceAll("[\r\n]", " ");
  }
}
