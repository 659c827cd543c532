package io.medledger.internal.node;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Seals bytes under a passphrase: Argon2id (BouncyCastle) derives a 256-bit key from the
 * passphrase and a random salt, and AES-256-GCM (the JDK) encrypts with a random nonce, binding
 * the caller's associated data. Parameters are bounded on open so that a crafted file cannot make
 * the KDF exhaust memory. Immutable parameter values; the static methods are thread-safe.
 */
public final class PassphraseSeal {
  /** Default Argon2id memory in KiB (19 MiB, the OWASP minimum for Argon2id with 2 passes). */
  public static final int MEMORY_KIB = 19 * 1024;
  /** Default Argon2id passes. */
  public static final int ITERATIONS = 2;
  /** Salt length. */
  public static final int SALT = 16;
  /** Nonce length. */
  public static final int NONCE = 12;

  /** KDF cost parameters as stored with a sealed value. */
  public record Cost(int memoryKib, int iterations, int parallelism) {
    /** Refuses weaker than 8 MiB / 1 pass, or costlier than 1 GiB / 20 passes / 8 lanes. */
    public Cost {
      if (memoryKib < 8 * 1024 || memoryKib > 1024 * 1024 || iterations < 1 || iterations > 20 || parallelism < 1
          || parallelism > 8) {
        throw new IllegalArgumentException("key derivation parameters out of the accepted range");
      }
    }

    /** The default cost. */
    public static Cost defaults() {
      return new Cost(MEMORY_KIB, ITERATIONS, 1);
    }
  }

  /** A sealed value: cost, salt, nonce and ciphertext with its tag. */
  public record Sealed(Cost cost, byte[] salt, byte[] nonce, byte[] ciphertext) {
    /** Checks lengths. */
    public Sealed {
      if (salt.length != SALT || nonce.length != NONCE || ciphertext.length < 16) {
        throw new IllegalArgumentException("sealed value has a bad salt, nonce or ciphertext length");
      }
    }
  }

  /** The passphrase did not open the sealed value (or the value or its associated data was altered). */
  public static final class WrongPassphrase extends Exception {
    private static final long serialVersionUID = 1L;

    WrongPassphrase() {
      super("wrong passphrase, or the sealed data was altered");
    }
  }

  private PassphraseSeal() {}

  /** Seals {@code plaintext} under {@code passphrase}, binding {@code aad}. */
  public static Sealed seal(char[] passphrase, byte[] plaintext, byte[] aad, Cost cost, SecureRandom random) {
    byte[] salt = new byte[SALT];
    byte[] nonce = new byte[NONCE];
    random.nextBytes(salt);
    random.nextBytes(nonce);
    byte[] key = derive(passphrase, salt, cost);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      c.updateAAD(aad);
      return new Sealed(cost, salt, nonce, c.doFinal(plaintext));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable", e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * Opens {@code sealed} with {@code passphrase} and the same {@code aad}.
   *
   * @throws WrongPassphrase if authentication fails
   */
  public static byte[] open(char[] passphrase, Sealed sealed, byte[] aad) throws WrongPassphrase {
    byte[] key = derive(passphrase, sealed.salt(), sealed.cost());
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, sealed.nonce()));
      c.updateAAD(aad);
      return c.doFinal(sealed.ciphertext());
    } catch (AEADBadTagException e) {
      throw new WrongPassphrase();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable", e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  private static byte[] derive(char[] passphrase, byte[] salt, Cost cost) {
    ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
    byte[] pw = new byte[bb.remaining()];
    bb.get(pw);
    if (bb.hasArray()) {
      Arrays.fill(bb.array(), (byte) 0);
    }
    Argon2BytesGenerator g = new Argon2BytesGenerator();
    g.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withSalt(salt).withMemoryAsKB(cost.memoryKib()).withIterations(cost.iterations())
        .withParallelism(cost.parallelism()).build());
    byte[] key = new byte[32];
    g.generateBytes(pw, key);
    Arrays.fill(pw, (byte) 0);
    return key;
  }
}
