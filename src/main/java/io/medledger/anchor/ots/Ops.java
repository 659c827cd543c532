package io.medledger.anchor.ots;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Shared checks and hashers of the operations. */
final class Ops {
  private Ops() {}

  static void checkInput(byte[] message) {
    if (message.length > OtsOperation.MAX_MESSAGE_LENGTH) {
      throw new IllegalArgumentException("message of " + message.length + " bytes exceeds "
          + OtsOperation.MAX_MESSAGE_LENGTH);
    }
  }

  static int checkResult(int length) {
    if (length > OtsOperation.MAX_MESSAGE_LENGTH) {
      throw new IllegalArgumentException("result of " + length + " bytes exceeds " + OtsOperation.MAX_MESSAGE_LENGTH);
    }
    return length;
  }

  static byte[] checkArgument(byte[] argument) {
    if (argument.length < 1 || argument.length > OtsOperation.MAX_MESSAGE_LENGTH) {
      throw new IllegalArgumentException("an append/prepend argument is 1.." + OtsOperation.MAX_MESSAGE_LENGTH
          + " bytes, got " + argument.length);
    }
    return argument.clone();
  }

  static OtsOperation.Hasher jdk(String algorithm) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required by the Java platform", e);
    }
    return new OtsOperation.Hasher() {
      @Override
      public void update(byte[] data, int off, int len) {
        md.update(data, off, len);
      }

      @Override
      public byte[] digest() {
        return md.digest();
      }
    };
  }

  static OtsOperation.Hasher bc(org.bouncycastle.crypto.Digest d) {
    return new OtsOperation.Hasher() {
      @Override
      public void update(byte[] data, int off, int len) {
        d.update(data, off, len);
      }

      @Override
      public byte[] digest() {
        byte[] out = new byte[d.getDigestSize()];
        d.doFinal(out, 0);
        return out;
      }
    };
  }
}
