package io.annals.node;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An integration-test class with one node of its own on the run's shared real Cassandra, in a
 * keyspace named after the class, and raw HTTP to it.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OneNodeIT {
  protected AnnalsNode node;
  protected HttpJson http;

  /** The journal keyspace of this class, e.g. "append_it". */
  protected abstract String keyspace();

  @BeforeAll
  void startNode() {
    node = RealCassandra.startNode(keyspace());
    http = new HttpJson(node.baseUrl());
  }

  @AfterAll
  void stopNode() {
    node.close();
  }
}
