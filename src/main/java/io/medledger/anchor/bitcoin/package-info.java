/** Bitcoin transactions, scripts, addresses, signing, SPV and the Core JSON-RPC client. */
package io.medledger.anchor.bitcoin;
