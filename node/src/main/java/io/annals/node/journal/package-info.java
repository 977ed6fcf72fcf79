/**
 * Direct reads of the Cassandra journal table: one prepared statement per range of a persistence
 * id, deserialised with Pekko's serialization, for the stream and log readers.
 */
package io.annals.node.journal;
