package io.annals.node.http;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/** JSON answers that are not problems: an object mapped by Jackson, or one written by hand. */
final class JsonResponses {
  private JsonResponses() {}

  /** Writes a JSON body with a generator (events whose data is JSON text go out unparsed). */
  interface JsonWriting {
    void write(JsonGenerator g) throws IOException;
  }

  static HttpResponse json(int status, Object body) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.bytes(body)));
  }

  /** A 200 whose body {@code writing} writes. */
  static HttpResponse written(JsonWriting writing) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
      writing.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, out.toByteArray()));
  }
}
