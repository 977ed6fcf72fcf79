package io.annals.node;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An integration-test class with one node of its own on the run's shared real Cassandra, in a
 * keyspace named after the class, and raw HTTP to it. With {@code -Dannals.it.base-url=URL} the
 * class runs black-box against that running node instead (for example `dev` mode), and tests that
 * need the node in-process are skipped.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OneNodeIT {
  protected AnnalsNode node;
  protected HttpJson http;
  private String baseUrl;

  /** The journal keyspace of this class, e.g. "append_it". */
  protected abstract String keyspace();

  @BeforeAll
  void startNode() {
    if (RealCassandra.externalNode().isPresent()) {
      baseUrl = RealCassandra.externalNode().get();
    } else {
      node =
          AnnalsNode.start(
              com.typesafe.config.ConfigFactory.parseString(nodeOverrides())
                  .withFallback(RealCassandra.nodeConfig(keyspace())),
              java.time.Duration.ofMinutes(2));
      baseUrl = node.baseUrl();
    }
    http = new HttpJson(baseUrl);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  /** HOCON this class's in-process node runs with on top of the test defaults. */
  protected String nodeOverrides() {
    return "";
  }

  protected String baseUrl() {
    return baseUrl;
  }

  /** Skips the calling test when the node runs outside this JVM. */
  protected void assumeInProcessNode() {
    Assumptions.assumeTrue(node != null, "needs the node in this JVM");
  }
}
