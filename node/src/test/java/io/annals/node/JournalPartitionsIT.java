package io.annals.node;

import static io.annals.node.HttpJson.event;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads on a journal cut into Cassandra partitions of 8 rows: stream ranges and log index entries
 * that cross a partition boundary, including the atomic writes pekko-persistence-cassandra moves
 * wholly into the next partition (3-event appends at versions 7..9, 15..17, …), all come back
 * complete and in order.
 */
class JournalPartitionsIT extends OneNodeIT {
  private static final int APPENDS = 20;
  private static final int EVENTS_PER_APPEND = 3;
  private static final long EVENTS = APPENDS * EVENTS_PER_APPEND;
  private final String category = "parted" + UUID.randomUUID().toString().substring(0, 8);
  private final String stream = category + "-1";

  @Override
  protected String keyspace() {
    return "journal_partitions_it";
  }

  @Override
  protected String nodeOverrides() {
    return "pekko.persistence.cassandra.journal.target-partition-size = 8";
  }

  @BeforeAll
  void appendSixtyEventsThreeAtATime() {
    for (int a = 0; a < APPENDS; a++) {
      StringBuilder batch = new StringBuilder("[");
      for (int i = 1; i <= EVENTS_PER_APPEND; i++) {
        long n = (long) a * EVENTS_PER_APPEND + i;
        batch.append(i > 1 ? "," : "").append(event("Counted", "{\"n\":" + n + "}"));
      }
      HttpJson.Response r = http.post("/streams/" + stream, batch.append("]").toString());
      assertEquals(201, r.status(), r.raw());
    }
  }

  private static List<Long> numbers(List<JsonNode> events) {
    List<Long> out = new ArrayList<>();
    events.forEach(e -> out.add(e.path("data").path("n").asLong()));
    return out;
  }

  private static List<Long> oneToSixty() {
    return LongStream.rangeClosed(1, EVENTS).boxed().toList();
  }

  @Test
  void readingTheStreamInAnyPageSizeGivesEveryVersionOnceInOrder() {
    for (int limit : new int[] {1, 5, 8, 60}) {
      List<JsonNode> events = http.readAllPages("/streams/" + stream + "?limit=" + limit);
      assertEquals(oneToSixty(), numbers(events), "limit " + limit);
      for (int i = 0; i < events.size(); i++) {
        assertEquals(i + 1, events.get(i).path("version").asLong(), "limit " + limit);
      }
    }
  }

  @Test
  void theCategoryLogHasEveryEventOnceInOrder() {
    assertEquals(oneToSixty(), numbers(http.readLog("/categories/" + category)));
  }

  @Test
  void subscriptionsCatchUpAcrossPartitionBoundaries() throws Exception {
    try (SseClient fromStart = new SseClient(baseUrl() + "/streams/" + stream + "/subscribe");
        SseClient fromTen = new SseClient(baseUrl() + "/streams/" + stream + "/subscribe?from=10");
        SseClient log = new SseClient(baseUrl() + "/categories/" + category + "/subscribe")) {
      Duration wait = Duration.ofSeconds(30);
      assertEquals(oneToSixty(), dataNumbers(fromStart.events((int) EVENTS, wait)));
      assertEquals(oneToSixty().subList(9, 60), dataNumbers(fromTen.events(51, wait)));
      assertEquals(oneToSixty(), dataNumbers(log.events((int) EVENTS, wait)));
    }
  }

  private static List<Long> dataNumbers(List<SseClient.Message> messages) throws Exception {
    List<Long> out = new ArrayList<>();
    for (SseClient.Message m : messages) {
      out.add(HttpJson.MAPPER.readTree(m.data()).path("data").path("n").asLong());
    }
    return out;
  }
}
