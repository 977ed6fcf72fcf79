package io.annals.node.security;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Who sent a request, and what it may do. {@code name} is what is recorded with the events it
 * writes: {@code key:<name>} for an API key, {@code jwt:<subject>} for a token; {@code expires} is
 * when its token stops being valid (null for API keys and for anonymous access).
 */
public record Principal(String name, List<Grant> grants, Instant expires) {
  /** Security off: everything is allowed, and nothing is recorded as the writer. */
  public static final Principal ANONYMOUS =
      new Principal("anonymous", List.of(new Grant(Action.ADMIN, Grant.ALL)), null);

  public Principal {
    grants = List.copyOf(grants);
  }

  public boolean isAnonymous() {
    return this == ANONYMOUS;
  }

  /** Whether this principal may do {@code action} to {@code stream}. */
  public boolean mayOnStream(Action action, String stream) {
    return isAnonymous() || grants.stream().anyMatch(g -> g.coversStream(action, stream));
  }

  /** Whether this principal may do {@code action} to all of {@code category} and its log. */
  public boolean mayOnCategory(Action action, String category) {
    return isAnonymous() || grants.stream().anyMatch(g -> g.coversCategory(action, category));
  }

  /** Whether this principal may do {@code action} on {@code $all} or {@code $metrics}. */
  public boolean mayOn(Action action, String target) {
    return isAnonymous() || grants.stream().anyMatch(g -> g.coversTarget(action, target));
  }

  /** The grants, as a 403 names them ("read:order-, write:order-"), or "none". */
  public String describeGrants() {
    return grants.isEmpty()
        ? "none"
        : grants.stream().map(Grant::toString).collect(Collectors.joining(", "));
  }

  /** The name recorded with the events this principal writes: none when security is off. */
  public String recordedName() {
    return isAnonymous() ? null : name;
  }
}
