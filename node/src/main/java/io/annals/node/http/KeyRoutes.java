package io.annals.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.annals.node.security.Action;
import io.annals.node.security.ApiKey;
import io.annals.node.security.ApiKeys;
import io.annals.node.security.Grant;
import io.annals.node.security.GrantsJson;
import io.annals.node.security.Security;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code POST /keys} (create an API key; its text is in this answer only), {@code GET /keys} (names
 * and grants, never keys) and {@code DELETE /keys/{name}} (revoke: answered once every reachable
 * node has dropped it). All need {@code admin} on {@code $all}; with API keys off they answer 404.
 */
final class KeyRoutes extends AllDirectives {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._\\-]{1,100}");
  private final Security security;
  private final Access access;

  KeyRoutes(Security security, Access access) {
    this.security = security;
    this.access = access;
  }

  Route route() {
    return pathPrefix(
        "keys",
        () ->
            concat(
                pathEndOrSingleSlash(
                    () ->
                        concat(
                            post(
                                () ->
                                    admin(
                                        keys ->
                                            withSizeLimit(
                                                64 * 1024,
                                                () ->
                                                    entity(
                                                        Unmarshaller.entityToByteString(),
                                                        b -> create(keys, b.toArray()))))),
                            get(() -> admin(this::list)))),
                path(segment(), name -> delete(() -> admin(keys -> revoke(keys, name))))));
  }

  private Route admin(java.util.function.Function<ApiKeys, Route> inner) {
    return security
        .keys()
        .map(keys -> access.on(Action.ADMIN, Grant.ALL, () -> inner.apply(keys)))
        .orElseGet(
            () ->
                complete(
                    Problems.notFound(
                        "keys-off",
                        "API keys are off on this node (annals.security.authentication)")));
  }

  private Route create(ApiKeys keys, byte[] body) {
    JsonNode root = AppendBody.tree(body);
    if (!root.isObject()
        || !root.path("name").isTextual()
        || root.size() != 2
        || !root.has("grants")) {
      throw BadRequest.invalid(
          "the body must be {\"name\": \"...\", \"grants\": [{\"action\": \"read|write|invalidate|"
              + "admin\", \"on\": \"<prefix>|$all|$category:<c>|$metrics\"}, ...]}");
    }
    String name = root.get("name").asText();
    if (!NAME.matcher(name).matches()) {
      throw BadRequest.invalid(
          "name must be 1-100 letters, digits, '.', '_' or '-'; was '"
              + Names.abbreviate(name)
              + "'");
    }
    List<Grant> grants;
    try {
      grants = GrantsJson.parse(root.get("grants"), "grants");
    } catch (IllegalArgumentException e) {
      throw BadRequest.invalid(e.getMessage());
    }
    CompletionStage<HttpResponse> created =
        keys.create(name, grants)
            .thenCompose(
                key ->
                    security
                        .reloadEverywhere()
                        .thenApply(
                            nodes -> {
                              ObjectNode out = Json.MAPPER.createObjectNode();
                              out.put("name", name).put("key", key);
                              out.set("grants", GrantsJson.toJson(grants));
                              out.put("nodesConfirmed", nodes[0]).put("nodes", nodes[1]);
                              return JsonResponses.json(201, out)
                                  .addHeader(Location.create("/keys/" + name));
                            }));
    return answer(created);
  }

  private Route list(ApiKeys keys) {
    return answer(
        keys.list()
            .thenApply(
                all -> {
                  ObjectNode out = Json.MAPPER.createObjectNode();
                  ArrayNode array = out.putArray("keys");
                  for (ApiKey k : all) {
                    ObjectNode one = array.addObject();
                    one.put("name", k.name());
                    one.set("grants", GrantsJson.toJson(k.grants()));
                    one.put("source", k.fromFile() ? "file" : "api");
                    if (!k.fromFile()) {
                      one.put("created", k.created().toString());
                    }
                  }
                  return JsonResponses.json(200, out);
                }));
  }

  private Route revoke(ApiKeys keys, String name) {
    return answer(
        keys.delete(name)
            .thenCompose(done -> security.reloadEverywhere())
            .thenApply(nodes -> HttpResponse.create().withStatus(StatusCodes.NO_CONTENT)));
  }

  /** The answer, with a taken name as 409 and an unknown one as 404. */
  private Route answer(CompletionStage<HttpResponse> response) {
    return onSuccess(
        response.exceptionally(
            failure -> {
              Throwable cause =
                  failure instanceof CompletionException && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              if (cause instanceof ApiKeys.NameTaken taken) {
                return Problems.response(
                    Problems.problem(409, "key-exists", "Key exists", taken.getMessage()));
              }
              if (cause instanceof ApiKeys.NoSuchKey missing) {
                return Problems.notFound("key-not-found", missing.getMessage());
              }
              return Problems.failure(cause);
            }),
        this::complete);
  }
}
