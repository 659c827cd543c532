/**
 * The field-level canonical binary codec and its JSON twin: each ledger type describes its fields
 * once against {@link io.medledger.internal.codec.FieldWriter} and
 * {@link io.medledger.internal.codec.FieldReader}, and gets both encodings from that description.
 */
package io.medledger.internal.codec;
