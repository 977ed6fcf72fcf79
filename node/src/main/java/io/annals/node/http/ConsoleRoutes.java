package io.annals.node.http;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The web console: {@code GET /console} and its files, static resources of the node's jar under
 * {@code console/} (plain HTML, CSS and JavaScript; nothing is built or fetched at run time). The
 * files are public; the API calls the page makes carry the token the user typed in.
 */
final class ConsoleRoutes extends AllDirectives {
  Route route() {
    return pathPrefix(
        "console",
        () ->
            get(
                () ->
                    concat(
                        pathEndOrSingleSlash(
                            () ->
                                getFromResource("console/index.html", ContentTypes.TEXT_HTML_UTF8)),
                        getFromResourceDirectory("console"))));
  }
}
