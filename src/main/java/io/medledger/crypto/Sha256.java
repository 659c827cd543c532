package io.medledger.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 on the JDK's {@link MessageDigest}, which uses the CPU's SHA instructions where present.
 *
 * <p>Thread-safe: each thread reuses its own digest instance. Use {@link #newHasher()} for
 * incremental hashing.
 */
public final class Sha256 {
  private static final ThreadLocal<MessageDigest> LOCAL = ThreadLocal.withInitial(Sha256::newMessageDigest);

  private Sha256() {}

  /** Returns a fresh JDK SHA-256 {@link MessageDigest}. */
  public static MessageDigest newMessageDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /** Returns this thread's SHA-256 instance, reset; callers must finish with {@code digest()}. */
  static MessageDigest local() {
    MessageDigest md = LOCAL.get();
    md.reset();
    return md;
  }

  /** SHA-256 of {@code data}. */
  public static Digest hash(byte[] data) {
    MessageDigest md = local();
    return Digest.wrap(md.digest(data));
  }

  /** SHA-256 of {@code len} bytes of {@code data} from {@code off}. */
  public static Digest hash(byte[] data, int off, int len) {
    MessageDigest md = local();
    md.update(data, off, len);
    return Digest.wrap(md.digest());
  }

  /** SHA-256 of the concatenation of {@code parts}. */
  public static Digest hash(byte[]... parts) {
    MessageDigest md = local();
    for (byte[] p : parts) {
      md.update(p);
    }
    return Digest.wrap(md.digest());
  }

  /** SHA-256 of {@code prefix || data}. */
  public static Digest hashPrefixed(byte prefix, byte[] data) {
    MessageDigest md = local();
    md.update(prefix);
    md.update(data);
    return Digest.wrap(md.digest());
  }

  /** SHA-256 of {@code prefix || left || right}. */
  public static Digest hashPrefixed(byte prefix, Digest left, Digest right) {
    MessageDigest md = local();
    md.update(prefix);
    left.updateDigest(md);
    right.updateDigest(md);
    return Digest.wrap(md.digest());
  }

  /** SHA-256(SHA-256(data)), as Bitcoin uses it. */
  public static Digest doubleHash(byte[] data) {
    MessageDigest md = local();
    byte[] first = md.digest(data);
    return Digest.wrap(md.digest(first));
  }

  /** SHA-256(SHA-256(left || right)), Bitcoin's Merkle node. */
  public static Digest doubleHash(Digest left, Digest right) {
    MessageDigest md = local();
    left.updateDigest(md);
    right.updateDigest(md);
    byte[] first = md.digest();
    return Digest.wrap(md.digest(first));
  }

  /** Returns a new incremental hasher. Not thread-safe. */
  public static Hasher newHasher() {
    return new Hasher(newMessageDigest());
  }

  /** An incremental SHA-256 computation. Not thread-safe; one instance per thread. */
  public static final class Hasher {
    private final MessageDigest md;

    private Hasher(MessageDigest md) {
      this.md = md;
    }

    /** Adds one byte. */
    public Hasher update(byte b) {
      md.update(b);
      return this;
    }

    /** Adds bytes. */
    public Hasher update(byte[] data) {
      md.update(data);
      return this;
    }

    /** Adds {@code len} bytes from {@code off}. */
    public Hasher update(byte[] data, int off, int len) {
      md.update(data, off, len);
      return this;
    }

    /** Adds a digest's 32 bytes. */
    public Hasher update(Digest d) {
      d.updateDigest(md);
      return this;
    }

    /** Finishes the hash and resets this hasher for reuse. */
    public Digest digest() {
      return Digest.wrap(md.digest());
    }
  }
}
