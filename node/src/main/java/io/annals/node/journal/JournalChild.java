package io.annals.node.journal;

import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a front actor's persistent child, shared by the stream and the log entities: each
 * life is started (spawned as {@code journal} and watched), recovers from the journal, is sealed
 * above the head it recovered ({@link JournalFence}) at once, before any write, and, when it stops
 * (a failed write, a failed seal), is started again after a backoff that doubles from {@code
 * minBackoff} up to {@code maxBackoff} while lives keep failing (equal bounds: a fixed interval).
 * The front actor owns the messages; this class owns the state and the rules.
 *
 * @param <J> the child's protocol
 * @param <C> the front actor's protocol
 */
public final class JournalChild<J, C> {
  private static final Logger log = LoggerFactory.getLogger(JournalChild.class);

  private final ActorContext<C> ctx;
  private final String persistenceId;
  private final Supplier<Behavior<J>> behavior;
  private final BiFunction<Integer, Throwable, C> sealedMessage;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private ActorRef<J> ref;
  private int life;
  private boolean recovered;
  private long head;
  private boolean sealed;
  private boolean sealing;
  private Duration backoff;

  /**
   * {@code sealedMessage} makes the message the front actor gets when a life's seal completes (the
   * life, and the failure or null), which it hands to {@link #onSealed}.
   */
  public JournalChild(
      ActorContext<C> ctx,
      String persistenceId,
      Supplier<Behavior<J>> behavior,
      BiFunction<Integer, Throwable, C> sealedMessage,
      Duration minBackoff,
      Duration maxBackoff) {
    this.ctx = ctx;
    this.persistenceId = persistenceId;
    this.behavior = behavior;
    this.sealedMessage = sealedMessage;
    this.minBackoff = minBackoff;
    this.maxBackoff = maxBackoff;
    this.backoff = minBackoff;
  }

  /** Spawns and watches the next life of the child (none may be running). */
  public void start() {
    life++;
    ref = ctx.spawn(behavior.get(), "journal");
    ctx.watch(ref);
  }

  /** The running child, or null between a stop and the next start. */
  public ActorRef<J> ref() {
    return ref;
  }

  public boolean running() {
    return ref != null;
  }

  /**
   * The child recovered {@code head}: the journal is sealed above it at once (not at the first
   * write, so that a late write cannot stay readable in the journal while the stream's state does
   * not hold it), and the next life starts after the shortest backoff again.
   */
  public void recovered(long head) {
    this.recovered = true;
    this.head = head;
    backoff = minBackoff;
    seal();
  }

  public boolean isRecovered() {
    return recovered;
  }

  /** Whether writes may start now: the child recovered and its life is sealed. */
  public boolean writable() {
    return recovered && sealed;
  }

  private void seal() {
    if (sealing || sealed) {
      return;
    }
    sealing = true;
    int sealedLife = life;
    ctx.pipeToSelf(
        JournalFence.get(ctx.getSystem()).sealAbove(persistenceId, head),
        (ok, failure) -> sealedMessage.apply(sealedLife, failure));
  }

  /**
   * The seal of life {@code sealedLife} completed ({@code failure} null) or failed. True when the
   * child may write now. A failed seal stops the child, which then goes the way of a failed write.
   */
  public boolean onSealed(int sealedLife, Throwable failure) {
    if (sealedLife != life || ref == null) {
      return false; // a seal of a life that has ended since
    }
    sealing = false;
    if (failure != null) {
      log.warn("Sealing journal {} failed: {}", persistenceId, failure.toString());
      recovered = false;
      ctx.stop(ref);
      return false;
    }
    sealed = true;
    return true;
  }

  /** Whether {@code stopped} is the child (a front actor watches other actors too). */
  public boolean is(ActorRef<?> stopped) {
    return stopped.equals(ref);
  }

  /** The child stopped: forgets its life and answers how long to wait before the next start. */
  public Duration stopped() {
    ref = null;
    recovered = false;
    sealed = false;
    sealing = false;
    Duration wait = backoff;
    backoff =
        backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
    return wait;
  }
}
