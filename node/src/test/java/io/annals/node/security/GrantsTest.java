package io.annals.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each grant covers: prefixes, categories, $all, $metrics and admin. */
class GrantsTest {
  private static Principal with(String... grants) {
    return new Principal(
        "key:test", java.util.Arrays.stream(grants).map(Grant::parse).toList(), null);
  }

  @Test
  void aPrefixCoversTheStreamsStartingWithItForItsActionOnly() {
    Principal p = with("write:order-");
    assertTrue(p.mayOnStream(Action.WRITE, "order-1"));
    assertFalse(p.mayOnStream(Action.WRITE, "order"), "the stream 'order' does not start with it");
    assertFalse(p.mayOnStream(Action.WRITE, "invoice-1"));
    assertFalse(p.mayOnStream(Action.READ, "order-1"), "write does not imply read");
    assertFalse(p.mayOnStream(Action.INVALIDATE, "order-1"));
  }

  @Test
  void aCategoryGrantCoversItsStreamsAndItsLogButNoOtherCategory() {
    Principal p = with("read:$category:order");
    assertTrue(p.mayOnStream(Action.READ, "order-1"));
    assertTrue(p.mayOnStream(Action.READ, "order"));
    assertTrue(p.mayOnCategory(Action.READ, "order"));
    assertFalse(p.mayOnStream(Action.READ, "orders-1"), "category orders is another one");
    assertFalse(p.mayOnCategory(Action.READ, "orders"));
    assertFalse(p.mayOn(Action.READ, Grant.ALL));
  }

  @Test
  void aPrefixCoversACategoryOnlyIfItCoversEveryStreamOfIt() {
    assertTrue(with("read:order").mayOnCategory(Action.READ, "order"));
    assertTrue(with("read:ord").mayOnCategory(Action.READ, "order"));
    assertFalse(with("read:order-").mayOnCategory(Action.READ, "order"), "leaves out 'order'");
    assertFalse(with("read:order-1").mayOnCategory(Action.READ, "order"));
  }

  @Test
  void allCoversEveryStreamCategoryAndTheGlobalLogButNotMetrics() {
    Principal p = with("read:$all");
    assertTrue(p.mayOnStream(Action.READ, "anything-1"));
    assertTrue(p.mayOnCategory(Action.READ, "anything"));
    assertTrue(p.mayOn(Action.READ, Grant.ALL));
    assertFalse(p.mayOn(Action.READ, Grant.METRICS), "metrics are granted on their own");
    assertTrue(with("read:$metrics").mayOn(Action.READ, Grant.METRICS));
    assertFalse(p.mayOnStream(Action.WRITE, "anything-1"));
  }

  @Test
  void adminAllowsEveryActionOnItsScope() {
    Principal p = with("admin:order-");
    for (Action a : Action.values()) {
      assertTrue(p.mayOnStream(a, "order-1"), a.wire());
    }
    assertFalse(p.mayOnStream(Action.READ, "invoice-1"));
    assertFalse(p.mayOn(Action.ADMIN, Grant.ALL), "admin of a prefix does not manage keys");
    assertTrue(with("admin:$all").mayOn(Action.ADMIN, Grant.ALL));
  }

  @Test
  void noGrantsAllowNothingAndAnonymousAllowsEverything() {
    Principal none = new Principal("jwt:nobody", List.of(), Instant.now());
    assertFalse(none.mayOnStream(Action.READ, "a"));
    assertEquals("none", none.describeGrants());
    assertTrue(Principal.ANONYMOUS.mayOn(Action.ADMIN, Grant.ALL));
    assertEquals(null, Principal.ANONYMOUS.recordedName(), "nobody is recorded without security");
  }

  @Test
  void malformedGrantsAreRefusedWithWhatIsWrong() {
    assertThrows(IllegalArgumentException.class, () -> Grant.parse("read"));
    assertThrows(IllegalArgumentException.class, () -> Grant.parse("steal:order-"));
    assertThrows(IllegalArgumentException.class, () -> Grant.parse("read:$everything"));
    assertThrows(IllegalArgumentException.class, () -> Grant.parse("read:"));
    assertThrows(IllegalArgumentException.class, () -> Grant.parse("read:$category:a-b"));
    assertEquals("write:order-", Grant.parse("write:order-").toString());
  }

  @Test
  void anApiKeyMatchesOnlyItsOwnSecret() {
    KeyFormat.NewKey key = KeyFormat.generate();
    String[] parts = KeyFormat.parse(key.text()).orElseThrow();
    assertEquals(key.id(), parts[0]);
    assertTrue(KeyFormat.matches(parts[1], key.sha256()));
    assertFalse(KeyFormat.matches(parts[1].replace(parts[1].charAt(0), 'x'), key.sha256()));
    assertTrue(KeyFormat.parse("ak_short").isEmpty());
    assertFalse(key.sha256().contains(parts[1]), "the secret is not stored");
  }

  @Test
  void aPrincipalCannotHoldMoreThanItsQuota() {
    Quotas q = new Quotas(2);
    assertTrue(q.tryTake("a"));
    assertTrue(q.tryTake("a"));
    assertFalse(q.tryTake("a"));
    assertTrue(q.tryTake("b"), "another principal has its own");
    q.release("a");
    assertTrue(q.tryTake("a"));
    q.release("a");
    q.release("a");
    assertEquals(0, q.held("a"));
  }
}
