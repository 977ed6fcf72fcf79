/**
 * A seeded HTTP fuzzer for Annals (issue 20): request generation, a raw HTTP/1.1 client and the
 * ledger of what the node acknowledged, used by {@code FuzzIT}.
 */
package io.annals.node.fuzz;
