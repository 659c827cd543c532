/** Bitcoin internals: byte readers and writers, Base58 and Bech32 codecs, secp256k1 arithmetic. */
package io.medledger.internal.bitcoin;
