/** Implementation details of the node runtime (configuration parsing, key store format); not API. */
package io.medledger.internal.node;
