/**
 * The typed clients of the sharing model (patient, clinician, researcher, auditor and regulator)
 * and the one small {@link io.medledger.client.LedgerConnection} they reach a federation through.
 * A client holds only its own participant's keys and signs and decrypts locally; the same client
 * works against the in-process testnet ({@code io.medledger.federation}) and a remote node.
 */
package io.medledger.client;
