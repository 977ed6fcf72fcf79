package io.annals.node.group;

import io.annals.node.CborSerializable;
import java.util.List;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The names of the groups, for {@code GET /groups}: one sharded persistent entity. A name is added
 * before its group is created and removed after it is deleted, so a listed name may name a group
 * being created or deleted (the list then asks the group), never the other way round.
 */
public final class GroupDirectory
    extends EventSourcedBehavior<
        GroupDirectory.Command, GroupDirectory.Event, GroupDirectory.Names> {
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "group-directory");
  private static final String ID = "groups";

  public sealed interface Command extends CborSerializable permits Add, Remove, ListNames {}

  public record Add(String name, ActorRef<Names> replyTo) implements Command {}

  public record Remove(String name, ActorRef<Names> replyTo) implements Command {}

  public record ListNames(ActorRef<Names> replyTo) implements Command {}

  public sealed interface Event extends CborSerializable permits Added, Removed {}

  public record Added(String name) implements Event {}

  public record Removed(String name) implements Event {}

  /** The names, sorted. */
  public record Names(List<String> names) implements CborSerializable {}

  public static void init(ClusterSharding sharding) {
    sharding.init(Entity.of(TYPE_KEY, ctx -> new GroupDirectory()));
  }

  public static EntityRef<Command> ref(ClusterSharding sharding) {
    return sharding.entityRefFor(TYPE_KEY, ID);
  }

  private GroupDirectory() {
    super(PersistenceId.of(TYPE_KEY.name(), ID));
  }

  @Override
  public Names emptyState() {
    return new Names(List.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandler<Command, Event, Names> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Add.class,
            (s, c) ->
                s.names().contains(c.name())
                    ? Effect().reply(c.replyTo(), s)
                    : Effect().persist(new Added(c.name())).thenReply(c.replyTo(), n -> n))
        .onCommand(
            Remove.class,
            (s, c) ->
                !s.names().contains(c.name())
                    ? Effect().reply(c.replyTo(), s)
                    : Effect().persist(new Removed(c.name())).thenReply(c.replyTo(), n -> n))
        .onCommand(ListNames.class, (s, c) -> Effect().reply(c.replyTo(), s))
        .build();
  }

  @Override
  public EventHandler<Names, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Added.class, (s, e) -> change(s, e.name(), true))
        .onEvent(Removed.class, (s, e) -> change(s, e.name(), false))
        .build();
  }

  private static Names change(Names s, String name, boolean add) {
    TreeSet<String> next = new TreeSet<>(s.names());
    if (add) {
      next.add(name);
    } else {
      next.remove(name);
    }
    return new Names(List.copyOf(next));
  }
}
