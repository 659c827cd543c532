package io.medledger.consensus;

import java.nio.charset.StandardCharsets;

/** Domain-separation tags (fresh copies, so no shared mutable array escapes). */
final class Domains {
  private Domains() {}

  static byte[] message() {
    return "medledger/consensus/message/v1".getBytes(StandardCharsets.US_ASCII);
  }
}
