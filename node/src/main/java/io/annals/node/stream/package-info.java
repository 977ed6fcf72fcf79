/**
 * Streams: the sharded front actor that pipelines appends ({@link
 * io.annals.node.stream.StreamEntity}), its persistent child that validates and writes batches
 * ({@link io.annals.node.stream.StreamJournal}), and the state both rules read ({@link
 * io.annals.node.stream.StreamState}).
 */
package io.annals.node.stream;
