/**
 * A Jepsen-style history checker: clients append through a three-node cluster while faults are
 * injected, and every answer they got is checked against what every node reads back afterwards.
 */
package io.annals.node.history;
