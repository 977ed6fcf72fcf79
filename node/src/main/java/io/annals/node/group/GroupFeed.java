package io.annals.node.group;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.typed.javadsl.ActorSink;

/**
 * A group's source stream, run into its entity with backpressure: the stream sends its next chunk
 * only once the entity acked the last, and the entity acks only while it holds fewer than {@code
 * readAhead} events past its checkpoint. Remembers where it read up to, so a restarted stream
 * (after a failure) goes on from there.
 */
final class GroupFeed {
  private final GroupSource source;
  private final ActorRef<GroupEntity.Command> entity;
  private final ActorSystem<?> system;
  private final int readAhead;
  private UniqueKillSwitch running;
  private ActorRef<GroupEntity.SourceAck> pendingAck;
  private String lastRead;

  GroupFeed(
      GroupSource source,
      ActorRef<GroupEntity.Command> entity,
      ActorSystem<?> system,
      int readAhead,
      String from) {
    this.source = source;
    this.entity = entity;
    this.system = system;
    this.readAhead = readAhead;
    this.lastRead = from;
  }

  /** Starts (again) reading {@code g}'s source after the last position read. */
  void start(GroupSettings g) {
    stop();
    running =
        source
            .after(g, lastRead)
            .viaMat(KillSwitches.single(), Keep.right())
            .toMat(
                ActorSink
                    .<List<GroupSource.Item>, GroupEntity.Command, GroupEntity.SourceAck>
                        actorRefWithBackpressure(
                            entity,
                            (ackTo, items) -> new GroupEntity.Chunk(items, ackTo),
                            GroupEntity.SourceReady::new,
                            GroupEntity.SourceAck.INSTANCE,
                            new GroupEntity.SourceEnded(null),
                            GroupEntity.SourceEnded::new),
                Keep.left())
            .run(system);
  }

  boolean running() {
    return running != null;
  }

  /** The stream ended on its own (a failure): not running until started again. */
  void ended() {
    running = null;
    pendingAck = null;
  }

  void stop() {
    if (running != null) {
      running.shutdown();
      running = null;
    }
    pendingAck = null;
  }

  /** An event of the chunk the entity took. */
  void read(String position) {
    lastRead = position;
  }

  /** The stream may send on now if the entity holds fewer than read-ahead events, else later. */
  void offer(ActorRef<GroupEntity.SourceAck> ackTo, int buffered) {
    if (buffered < readAhead) {
      ackTo.tell(GroupEntity.SourceAck.INSTANCE);
    } else {
      pendingAck = ackTo;
    }
  }

  /** The entity folded events into its checkpoint: let a held-back stream send on. */
  void resume(int buffered) {
    if (pendingAck != null && buffered < readAhead) {
      pendingAck.tell(GroupEntity.SourceAck.INSTANCE);
      pendingAck = null;
    }
  }
}
