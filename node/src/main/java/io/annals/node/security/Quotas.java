package io.annals.node.security;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts what each principal holds open (requests in progress, subscriptions), so one principal
 * cannot take all of a node: {@link #tryTake} refuses beyond the cap, {@link #release} gives back.
 */
public final class Quotas {
  private final int max;
  private final ConcurrentHashMap<String, AtomicInteger> open = new ConcurrentHashMap<>();

  public Quotas(int max) {
    this.max = max;
  }

  public int max() {
    return max;
  }

  /** Takes one for {@code principal} if it holds fewer than the cap; false otherwise. */
  public boolean tryTake(String principal) {
    AtomicInteger count = open.computeIfAbsent(principal, p -> new AtomicInteger());
    if (count.incrementAndGet() > max) {
      release(principal);
      return false;
    }
    return true;
  }

  /** Gives one back; a principal holding none is forgotten. */
  public void release(String principal) {
    open.computeIfPresent(principal, (p, count) -> count.decrementAndGet() <= 0 ? null : count);
  }

  /** How many {@code principal} holds now. */
  public int held(String principal) {
    AtomicInteger count = open.get(principal);
    return count == null ? 0 : count.get();
  }
}
