package io.annals.node.group;

import io.annals.node.journal.StoredEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A group's deliveries, in memory: the events read from the source after the checkpoint, in source
 * order, each waiting, in flight to a consumer, or done (acked, skipped or parked); the consumers
 * and what each holds. Pure bookkeeping (no actors, no I/O) so its rules are tested alone:
 *
 * <ul>
 *   <li>an event goes to a consumer holding fewer than {@code maxInFlight} unacked events;
 *   <li>{@code pinned}: a stream's events go to the consumer its name hashes to among those
 *       connected (rendezvous hashing: few streams move when consumers come and go), and never to
 *       another consumer while one of its events is in flight to the first, so per-stream order
 *       holds while nobody fails;
 *   <li>{@code round-robin}: to the next consumer with room;
 *   <li>an event not acked within the ack timeout, nacked with retry, or in flight to a consumer
 *       that left, waits again ahead of newer events; after {@code maxAttempts} deliveries it is
 *       parked instead;
 *   <li>the checkpoint candidate is the position after the longest done prefix.
 * </ul>
 */
final class GroupState {
  enum Status {
    WAITING,
    IN_FLIGHT,
    DONE
  }

  /** One event of the source after the checkpoint, or one parked event being replayed. */
  static final class Entry {
    final long seq;
    final String position;
    final StoredEvent event;
    final boolean replay;
    Status status = Status.WAITING;
    int attempts;
    String consumer;
    long deadline;

    Entry(long seq, String position, StoredEvent event, boolean replay) {
      this.seq = seq;
      this.position = position;
      this.event = event;
      this.replay = replay;
    }
  }

  /** A delivery to make: {@code entry} to {@code consumer}, its {@code attempts}-th. */
  record Delivery(String consumer, Entry entry) {}

  /** What became of an event that ran out of attempts: to be parked by the caller. */
  record Expired(Entry entry, String reason) {}

  private final int maxInFlight;
  private final int maxAttempts;
  private final boolean pinned;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
  private final LinkedHashMap<String, Entry> replays = new LinkedHashMap<>();
  private final TreeMap<Long, Entry> waiting = new TreeMap<>();
  private final LinkedHashMap<String, Integer> consumers = new LinkedHashMap<>();
  private final Map<String, StreamFlight> streams = new HashMap<>();
  private long nextSeq;
  private long nextReplaySeq = Long.MIN_VALUE;
  private int roundRobin;
  private long redeliveries;

  /** A stream's events in flight, all to one consumer. */
  private static final class StreamFlight {
    final String consumer;
    int count;

    StreamFlight(String consumer) {
      this.consumer = consumer;
    }
  }

  GroupState(int maxInFlight, int maxAttempts, boolean pinned) {
    this.maxInFlight = maxInFlight;
    this.maxAttempts = maxAttempts;
    this.pinned = pinned;
  }

  /** Appends an event read from the source (after everything read before). */
  void read(String position, StoredEvent event) {
    if (entries.containsKey(position)) {
      return;
    }
    Entry e = new Entry(nextSeq++, position, event, false);
    entries.put(position, e);
    waiting.put(e.seq, e);
  }

  /** Adds a parked event to deliver again, ahead of the source's events. */
  void replay(String position, StoredEvent event) {
    if (replays.containsKey(position)) {
      return;
    }
    Entry e = new Entry(nextReplaySeq++, position, event, true);
    replays.put(position, e);
    waiting.put(e.seq, e);
  }

  /** Events read and not yet folded into the checkpoint (what read-ahead is bounded by). */
  int buffered() {
    return entries.size();
  }

  int waitingCount() {
    return waiting.size();
  }

  int inFlight() {
    int n = 0;
    for (int held : consumers.values()) {
      n += held;
    }
    return n;
  }

  long redeliveries() {
    return redeliveries;
  }

  int consumerCount() {
    return consumers.size();
  }

  boolean hasConsumer(String id) {
    return consumers.containsKey(id);
  }

  void connect(String consumer) {
    consumers.putIfAbsent(consumer, 0);
  }

  /** A consumer left: what it held waits again, ahead of newer events. */
  void disconnect(String consumer) {
    if (consumers.remove(consumer) == null) {
      return;
    }
    for (Map<String, Entry> map : List.of(replays, entries)) {
      for (Entry e : map.values()) {
        if (e.status == Status.IN_FLIGHT && consumer.equals(e.consumer)) {
          requeue(e);
        }
      }
    }
  }

  /** The deliveries that can be made now, marked in flight until {@code now + ackTimeoutNanos}. */
  List<Delivery> dispatch(long now, long ackTimeoutNanos) {
    List<Delivery> out = new ArrayList<>();
    if (consumers.isEmpty()) {
      return out;
    }
    int room = 0;
    for (int held : consumers.values()) {
      room += Math.max(0, maxInFlight - held);
    }
    Iterator<Entry> it = waiting.values().iterator();
    while (room > 0 && it.hasNext()) {
      Entry e = it.next();
      String to = pinned ? pinnedConsumer(e.event.stream()) : nextWithRoom();
      if (to == null || consumers.get(to) >= maxInFlight) {
        continue;
      }
      it.remove();
      e.status = Status.IN_FLIGHT;
      e.consumer = to;
      e.attempts++;
      if (e.attempts > 1) {
        redeliveries++;
      }
      e.deadline = now + ackTimeoutNanos;
      consumers.merge(to, 1, Integer::sum);
      streams.computeIfAbsent(e.event.stream(), s -> new StreamFlight(to)).count++;
      room--;
      out.add(new Delivery(to, e));
    }
    return out;
  }

  /** The consumer of {@code stream}: where its events are in flight, else where it hashes to. */
  private String pinnedConsumer(String stream) {
    StreamFlight flight = streams.get(stream);
    if (flight != null) {
      return flight.consumer;
    }
    String best = null;
    long bestWeight = Long.MIN_VALUE;
    for (String c : consumers.keySet()) {
      long w = mix(stream.hashCode() * 31L + c.hashCode());
      if (best == null || w > bestWeight) {
        best = c;
        bestWeight = w;
      }
    }
    return best;
  }

  private String nextWithRoom() {
    List<String> ids = new ArrayList<>(consumers.keySet());
    for (int i = 0; i < ids.size(); i++) {
      String c = ids.get((roundRobin + i) % ids.size());
      if (consumers.get(c) < maxInFlight) {
        roundRobin = (roundRobin + i + 1) % ids.size();
        return c;
      }
    }
    return null;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  /** The entry of a delivery id (a position), read or replayed; null if unknown or done. */
  Entry find(String id) {
    Entry e = replays.get(id);
    if (e == null) {
      e = entries.get(id);
    }
    return e == null || e.status == Status.DONE ? null : e;
  }

  /** Marks {@code e} done (acked, skipped, parked); false if it was done already. */
  boolean done(Entry e) {
    if (e.status == Status.DONE) {
      return false;
    }
    release(e);
    waiting.remove(e.seq);
    e.status = Status.DONE;
    if (e.replay) {
      replays.remove(e.position);
    }
    return true;
  }

  /** A nack with retry: {@code e} waits again, or, past its attempts, is returned to be parked. */
  Expired retry(Entry e, String reason) {
    if (e.attempts >= maxAttempts) {
      return new Expired(e, reason + " (" + e.attempts + " deliveries)");
    }
    requeue(e);
    return null;
  }

  /** Deliveries past their deadline wait again; those out of attempts are returned. */
  List<Expired> expire(long now) {
    List<Expired> out = new ArrayList<>();
    for (Map<String, Entry> map : List.of(replays, entries)) {
      for (Entry e : map.values()) {
        if (e.status == Status.IN_FLIGHT && e.deadline - now < 0) {
          Expired x = retry(e, "not acked within the ack timeout");
          if (x != null) {
            out.add(x);
          }
        }
      }
    }
    return out;
  }

  private void requeue(Entry e) {
    release(e);
    e.status = Status.WAITING;
    e.consumer = null;
    waiting.put(e.seq, e);
  }

  private void release(Entry e) {
    if (e.status != Status.IN_FLIGHT) {
      return;
    }
    consumers.computeIfPresent(e.consumer, (c, held) -> held - 1);
    StreamFlight flight = streams.get(e.event.stream());
    if (flight != null && --flight.count <= 0) {
      streams.remove(e.event.stream());
    }
  }

  /**
   * Drops the done events at the head of the source order and answers the position after the last
   * of them: the new checkpoint candidate (null if none was dropped).
   */
  String fold() {
    String last = null;
    Iterator<Entry> it = entries.values().iterator();
    while (it.hasNext()) {
      Entry e = it.next();
      if (e.status != Status.DONE) {
        break;
      }
      last = e.position;
      it.remove();
    }
    return last;
  }

  /** Forgets every delivery (the group was deleted or its source restarts). */
  void clear() {
    entries.clear();
    replays.clear();
    waiting.clear();
    streams.clear();
    consumers.replaceAll((c, held) -> 0);
  }
}
