package io.annals.node.stream;

import io.annals.node.CborSerializable;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A stream's {@link StreamState} as stored in the Cassandra snapshot store every {@code
 * annals.stream.snapshot-every} events, so recovery reads the snapshot and only the events after
 * it.
 */
record StreamSnapshot(
    long version, long transaction, List<Id> ids, List<Key> keys, Map<Long, Long> invalidated)
    implements CborSerializable {

  record Id(UUID id, long version, long transaction, long contentHash) {}

  record Key(String key, List<KeyVersion> versions) {}

  record KeyVersion(long version, long transaction, String type, long dataHash) {}
}
