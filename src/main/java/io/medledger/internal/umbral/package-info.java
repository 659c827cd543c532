/**
 * Building blocks of the Umbral proxy re-encryption scheme in {@code io.medledger.pre}:
 * secp256k1 points and scalars, hashing to scalars, the XChaCha20-Poly1305 DEM, ECDSA with the
 * reference's nonce derivation, the fixed MessagePack layouts, and the test-vector tooling.
 * Not API.
 */
package io.medledger.internal.umbral;
