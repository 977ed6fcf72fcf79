/**
 * The global log and the category logs: sharded persistent log entities that index every durable
 * stream batch once, the node-local live tails that share each log's newest entries among this
 * node's subscribers, and the demand-driven sources that read them.
 */
package io.annals.node.log;
