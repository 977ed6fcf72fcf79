package io.annals.node.security;

import java.time.Instant;
import java.util.List;

/**
 * A stored API key: never the key itself, only its id and the SHA-256 of its secret part. {@code
 * fromFile} keys come from the key file (a Kubernetes Secret) and are managed there; the others
 * were created with {@code POST /keys} and live in Cassandra.
 */
public record ApiKey(
    String name, String id, String sha256, List<Grant> grants, Instant created, boolean fromFile) {

  public ApiKey {
    grants = List.copyOf(grants);
  }

  Principal principal() {
    return new Principal("key:" + name, grants, null);
  }
}
