package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import java.util.Objects;

/**
 * A capsule fragment that passed {@link CapsuleFrag#verify} (or was just made by
 * {@link Umbral#reencrypt}); only this type can be combined by {@link Umbral#decryptReencrypted}.
 * Serializes to the same 381 bytes as its {@link CapsuleFrag}.
 *
 * <p>Immutable and thread-safe.
 */
public final class VerifiedCapsuleFrag {
  private final CapsuleFrag cfrag;

  VerifiedCapsuleFrag(CapsuleFrag cfrag) {
    this.cfrag = Objects.requireNonNull(cfrag);
  }

  /**
   * Restores a fragment that this party verified earlier and kept in storage it trusts. No check
   * is made: never use it for bytes received from a proxy; parse those with
   * {@link CapsuleFrag#fromBytes} and verify them.
   *
   * @throws MalformedEncodingException if the bytes are not a well-formed capsule fragment
   */
  public static VerifiedCapsuleFrag fromTrustedBytes(byte[] bytes) {
    return new VerifiedCapsuleFrag(CapsuleFrag.fromBytes(bytes));
  }

  /** The 381-byte wire form. */
  public byte[] toBytes() {
    return cfrag.toBytes();
  }

  /** The 359-byte simple form (see {@link CapsuleFrag#toBytesSimple()}). */
  public byte[] toBytesSimple() {
    return cfrag.toBytesSimple();
  }

  /** The same fragment as an unverified value (for sending it on). */
  public CapsuleFrag unverify() {
    return cfrag;
  }

  CapsuleFrag cfrag() {
    return cfrag;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifiedCapsuleFrag v && cfrag.equals(v.cfrag);
  }

  @Override
  public int hashCode() {
    return cfrag.hashCode();
  }

  @Override
  public String toString() {
    return "VerifiedCapsuleFrag[kfragId=" + io.medledger.codec.Hex.encode(cfrag.kfragIdUnsafe()) + "]";
  }
}
