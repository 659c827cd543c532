/** Entries, blocks, headers, chain validation, ledger proofs and the unified query. */
package io.medledger.chain;
