/** Proxy re-encryption: Umbral (default), BBS98, and encrypted record envelopes. */
package io.medledger.pre;
