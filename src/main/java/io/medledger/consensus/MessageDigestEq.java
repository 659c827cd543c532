package io.medledger.consensus;

/** Small byte-array predicates. */
final class MessageDigestEq {
  private MessageDigestEq() {}

  static boolean allZero(byte[] b) {
    int acc = 0;
    for (byte x : b) {
      acc |= x;
    }
    return acc == 0;
  }
}
