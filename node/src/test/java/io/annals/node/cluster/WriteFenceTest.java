package io.annals.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The write fence's rule: write only while a strict majority of the members is reachable. */
class WriteFenceTest {

  @Test
  void staysOpenWhileAMajorityOfTheMembersIsReachable() {
    assertNull(WriteFence.closedBecause(1, 0), "a one-node cluster");
    assertNull(WriteFence.closedBecause(3, 0));
    assertNull(WriteFence.closedBecause(3, 1), "two of three: the majority side keeps writing");
    assertNull(WriteFence.closedBecause(5, 2));
    assertNull(WriteFence.closedBecause(0, 0), "not a member yet: hosts no stream anyway");
  }

  @Test
  void closesOnTheMinoritySideOfAPartition() {
    String closed = WriteFence.closedBecause(3, 2);
    assertTrue(closed.contains("only 1 of 3"), closed);
    assertTrue(WriteFence.closedBecause(5, 3).contains("only 2 of 5"));
  }

  @Test
  void closesOnBothSidesOfAnEvenSplitUntilTheResolverDecides() {
    assertEquals(
        "this node sees only 2 of 4 cluster members; it does not write until it sees a majority",
        WriteFence.closedBecause(4, 2));
  }
}
