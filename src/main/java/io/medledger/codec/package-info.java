/** Canonical binary encoding, hex, and bounded decoders for every ledger type. */
package io.medledger.codec;
