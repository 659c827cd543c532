/** The medical data sharing model: nodes and typed clients wired from one builder. */
package io.medledger.network;
