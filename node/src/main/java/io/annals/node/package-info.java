/**
 * The Annals node: start-up ({@link io.annals.node.Main}), wiring ({@link io.annals.node.Guardian})
 * and settings.
 */
package io.annals.node;
