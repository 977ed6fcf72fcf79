/**
 * Consumer groups: server-side subscriptions over a category or {@code $all} whose events are
 * shared between the consumers connected to the group, with acknowledgements, retries, parking and
 * a persisted checkpoint ({@link io.annals.node.group.GroupEntity}, one sharded persistent entity
 * per group, and {@link io.annals.node.group.GroupDirectory}, the list of groups).
 */
package io.annals.node.group;
