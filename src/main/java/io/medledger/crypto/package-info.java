/**
 * Cryptographic primitives: SHA-256 digests, Ed25519 signatures (checked one at a time or in
 * batches), constant-time helpers.
 */
package io.medledger.crypto;
