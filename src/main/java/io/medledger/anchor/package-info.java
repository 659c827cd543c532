/** Anchoring the ledger into Bitcoin: commitments, the anchoring state machine and receipts. */
package io.medledger.anchor;
