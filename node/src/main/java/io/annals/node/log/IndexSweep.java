package io.annals.node.log;

import io.annals.node.cluster.RetryingAsk;
import io.annals.node.journal.StreamIds;
import io.annals.node.journal.StreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Indexes what a stopped node left unindexed. A stream asks its two logs to index each durable
 * batch, asks again until both acknowledge, and again on every recovery; but a stream whose node
 * crashed between an acknowledgement and its indexing, and which is never used again, would never
 * recover, and its newest events would never reach {@code /all} or its category. This cluster
 * singleton closes that gap: a while after it starts (a cluster start, or its node left) and after
 * any member is removed, it walks every stream of the journal (pekko-persistence-cassandra's {@code
 * all_persistence_ids}), reads its highest version and asks both its logs to index it up to there.
 * A log writes only the versions it misses, so a sweep of a fully indexed store writes nothing; it
 * costs one or two journal reads per stream, throttled ({@code annals.log.sweep}).
 */
public final class IndexSweep {
  /** The {@code annals.log.sweep} block. */
  public record Settings(
      Duration startDelay,
      int streamsPerSecond,
      int parallelism,
      Duration askAttempt,
      Duration askTimeout,
      Duration retryAfterFailure) {}

  public sealed interface Command {}

  /** Sweep (again once the sweep running now is done). */
  public record Sweep(String reason) implements Command {}

  private record MemberRemoved(ClusterEvent.MemberRemoved removed) implements Command {}

  private record Finished(long streams, long millis) implements Command {}

  private record Failed(Throwable cause) implements Command {}

  private static final Object RETRY = "retry";

  /** Starts the sweep singleton on this node (it runs on one node of the cluster). */
  public static void init(
      ActorSystem<?> system, StreamReader streams, int partitions, Settings settings) {
    ClusterSingleton.get(system)
        .init(
            SingletonActor.of(
                Behaviors.<Command>setup(
                    ctx ->
                        Behaviors.withTimers(
                            timers ->
                                new IndexSweep(ctx, timers, streams, partitions, settings).idle())),
                "index-sweep"));
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final StreamReader streams;
  private final int partitions;
  private final Settings settings;
  private final ClusterSharding sharding;

  private IndexSweep(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      StreamReader streams,
      int partitions,
      Settings settings) {
    this.ctx = ctx;
    this.timers = timers;
    this.streams = streams;
    this.partitions = partitions;
    this.settings = settings;
    this.sharding = ClusterSharding.get(ctx.getSystem());
    Cluster.get(ctx.getSystem())
        .subscriptions()
        .tell(
            Subscribe.create(
                ctx.messageAdapter(ClusterEvent.MemberRemoved.class, MemberRemoved::new),
                ClusterEvent.MemberRemoved.class));
    timers.startSingleTimer(RETRY, new Sweep("start"), settings.startDelay());
  }

  private Behavior<Command> idle() {
    return Behaviors.receive(Command.class)
        .onMessage(Sweep.class, s -> sweep(s.reason()))
        .onMessage(MemberRemoved.class, m -> sweep(removal(m)))
        .onMessage(Finished.class, f -> Behaviors.same())
        .onMessage(Failed.class, f -> Behaviors.same())
        .build();
  }

  private static String removal(MemberRemoved m) {
    return "member " + m.removed().member().address() + " removed";
  }

  /** Sweeping; {@code again} once a request came in meanwhile (requests coalesce into one). */
  private Behavior<Command> sweeping(UniqueKillSwitch running, boolean again) {
    return Behaviors.receive(Command.class)
        .onMessage(Sweep.class, s -> sweeping(running, true))
        .onMessage(MemberRemoved.class, m -> sweeping(running, true))
        .onMessage(
            Finished.class,
            f -> {
              ctx.getLog()
                  .info("Index sweep: {} streams checked in {} ms", f.streams(), f.millis());
              return again ? sweep("requested during the last sweep") : idle();
            })
        .onMessage(
            Failed.class,
            f -> {
              ctx.getLog()
                  .warn(
                      "Index sweep failed, again in {}: {}",
                      settings.retryAfterFailure(),
                      f.cause().toString());
              timers.startSingleTimer(RETRY, new Sweep("retry"), settings.retryAfterFailure());
              return idle();
            })
        .onSignal(
            PostStop.class,
            stop -> {
              running.shutdown();
              return Behaviors.same();
            })
        .build();
  }

  private Behavior<Command> sweep(String reason) {
    ctx.getLog().info("Index sweep starting ({})", reason);
    long started = System.nanoTime();
    var journal =
        PersistenceQuery.get(Adapter.toClassic(ctx.getSystem()))
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    var run =
        journal
            .currentPersistenceIds()
            .mapConcat(IndexSweep::indexedStream)
            .throttle(settings.streamsPerSecond(), Duration.ofSeconds(1))
            .mapAsyncUnordered(settings.parallelism(), this::indexUpToJournal)
            .viaMat(KillSwitches.<Done>single(), Keep.right())
            .toMat(Sink.fold(0L, (n, done) -> n + 1), Keep.both())
            .run(ctx.getSystem());
    ctx.pipeToSelf(
        run.second(),
        (count, failure) ->
            failure != null
                ? new Failed(failure)
                : new Finished(count, (System.nanoTime() - started) / 1_000_000));
    return sweeping(run.first(), false);
  }

  /** The stream a persistence id belongs to, if it is an indexed stream's (none otherwise). */
  private static List<String> indexedStream(String persistenceId) {
    String stream = StreamIds.streamOf(persistenceId);
    return stream != null && LogId.indexed(stream) ? List.of(stream) : List.of();
  }

  /** Asks both logs of {@code stream} to index it up to its highest version in the journal. */
  private CompletionStage<Done> indexUpToJournal(String stream) {
    return streams
        .version(stream)
        .thenCompose(
            version -> {
              if (version == 0) {
                return CompletableFuture.completedFuture(Done.getInstance());
              }
              List<CompletableFuture<LogEntity.IndexedUpTo>> acks = new ArrayList<>();
              for (String log : LogId.logsOf(stream, partitions)) {
                acks.add(
                    RetryingAsk.<LogEntity.Command, LogEntity.IndexedUpTo>ask(
                            sharding.entityRefFor(LogEntity.TYPE_KEY, log),
                            replyTo -> new LogEntity.Index(stream, version, List.of(), replyTo),
                            settings.askAttempt(),
                            settings.askTimeout())
                        .toCompletableFuture());
              }
              return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                  .thenApply(all -> Done.getInstance());
            });
  }
}
