package io.annals.node.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.typesafe.config.Config;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Closes a persistence id's sequence numbers above its recovered head to every earlier writer
 * ({@code JournalFence.get(system).sealAbove(pid, head)}), so that a journal write which timed out
 * and reaches Cassandra late can never become visible beside the writes that follow its failure.
 *
 * <p>A timed-out write may still land: Cassandra applies a request whenever it reads it, however
 * late. The journal table's rows are keyed by sequence number <em>and</em> a time UUID, so a late
 * write and a later write of the same sequence number would both be stored. The seal is a range
 * tombstone {@code DELETE … WHERE sequence_nr > head} in the partitions such a write can land in,
 * written right after recovery has read the journal, before any write of the new incarnation.
 * Cassandra resolves cells by their client-assigned write timestamp, not by arrival order: the
 * tombstone hides every cell written with an older timestamp, whenever it arrives, and every later
 * write (a newer timestamp from the same session's monotonic generator) is visible. So a write that
 * failed is either already in the journal when the next incarnation recovers (and is then part of
 * its state for every reader) or never visible at all. docs/architecture.md ("What an
 * acknowledgement guarantees, and why") gives the whole argument.
 *
 * <p>With any journal plugin other than pekko-persistence-cassandra (the in-memory journal of unit
 * tests, which has no late writes) the seal completes at once.
 */
public final class JournalFence implements Extension {
  private static final String PLUGIN = PluginStatements.PLUGIN;
  private static final String CASSANDRA_JOURNAL = PLUGIN + ".journal";

  /**
   * More events than one journal write of Annals can carry: a stream write holds at most one append
   * beyond annals.stream.max-batch-events (an append is at most http.max-body-size, 1 MiB, so well
   * under this many events), a log write at most annals.log.max-queued-requests entries.
   */
  static final long LARGEST_WRITE = 200_000;

  private static final ExtensionId<JournalFence> ID =
      new ExtensionId<>() {
        @Override
        public JournalFence createExtension(ActorSystem<?> system) {
          return new JournalFence(system);
        }
      };

  private final boolean cassandra;
  private final String delete;
  private final String profile;
  private final long partitionSize;
  private final PluginStatements<Prepared> statements;

  private record Prepared(CqlSession session, PreparedStatement delete) {}

  private JournalFence(ActorSystem<?> system) {
    Config config = system.settings().config();
    this.cassandra = config.getString("pekko.persistence.journal.plugin").equals(CASSANDRA_JOURNAL);
    Config journal = config.getConfig(CASSANDRA_JOURNAL);
    this.delete =
        "DELETE FROM "
            + journal.getString("keyspace")
            + "."
            + journal.getString("table")
            + " WHERE persistence_id = ? AND partition_nr = ? AND sequence_nr > ?";
    this.profile = config.getString(PLUGIN + ".write-profile");
    this.partitionSize = journal.getLong("target-partition-size");
    this.statements =
        new PluginStatements<>(
            system,
            session -> session.prepareAsync(delete).thenApply(d -> new Prepared(session, d)));
  }

  public static JournalFence get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /**
   * Hides, for good, every row of {@code persistenceId} above {@code head} written before this
   * call; completes once Cassandra has taken the tombstone at the journal's write consistency.
   *
   * <p>The plugin writes an atomic write wholly into the partition of its last sequence number, so
   * a write starting at {@code head + 1} lands in that number's partition, or in the next one when
   * it crosses into it: the next one is sealed too when a write of {@link #LARGEST_WRITE} could
   * reach it.
   */
  public CompletionStage<Done> sealAbove(String persistenceId, long head) {
    if (!cassandra) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    long partition = head / partitionSize; // the partition of head + 1
    boolean mayCross = (head + LARGEST_WRITE - 1) / partitionSize > partition;
    return statements
        .get()
        .thenCompose(
            p ->
                mayCross
                    ? seal(p, persistenceId, partition, head)
                        .thenCombine(
                            seal(p, persistenceId, partition + 1, head),
                            (a, b) -> Done.getInstance())
                    : seal(p, persistenceId, partition, head));
  }

  private CompletionStage<Done> seal(Prepared p, String persistenceId, long partition, long head) {
    return p.session()
        .executeAsync(
            p.delete().bind(persistenceId, partition, head).setExecutionProfileName(profile))
        .thenApply(rs -> Done.getInstance());
  }
}
