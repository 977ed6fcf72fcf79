package io.annals.node;

/**
 * Marker for every message that may cross nodes or reach the journal; bound to Pekko's Jackson CBOR
 * serializer in {@code serialization.conf}, so Java serialization is never used.
 */
public interface CborSerializable {}
