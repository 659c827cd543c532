/**
 * Edwards25519 group arithmetic for batch verification of Ed25519 signatures
 * ({@link io.medledger.crypto.Ed25519Signatures#verifyAll}) and for the cofactored single check
 * behind {@link io.medledger.crypto.Ed25519PublicKey#verify}.
 */
package io.medledger.internal.ed25519;
