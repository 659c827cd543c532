/** Cryptographic primitives: SHA-256 digests, Ed25519 signatures, constant-time helpers. */
package io.medledger.crypto;
