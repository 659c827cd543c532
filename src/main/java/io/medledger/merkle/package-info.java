/** RFC 9162 Merkle logs, proofs and verifiers, compact ranges, and Bitcoin's Merkle tree. */
package io.medledger.merkle;
