package io.medledger.node;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.Json;
import io.medledger.internal.node.ConfigObject;
import io.medledger.internal.node.EnvironmentSecret;
import io.medledger.internal.node.OwnerOnly;
import io.medledger.internal.node.PassphraseSeal;
import io.medledger.internal.node.SealedKeys;
import io.medledger.internal.node.SecretFile;
import io.medledger.internal.node.SecretLine;
import io.medledger.pre.EntropySource;
import io.medledger.pre.SecretKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.security.auth.Destroyable;

/**
 * A node's (or a client's) secret keys: the Ed25519 ledger key that names it on the ledger and in
 * TLS, the Umbral key grants' fragments are encrypted to, and the Umbral key that signs key
 * fragments. On disk they are one JSON file, mode 0600, sealed under a passphrase with Argon2id
 * and AES-256-GCM; the ledger key's public half is in clear so that tools can name the node
 * without the passphrase, and is bound to the ciphertext.
 *
 * <p>Secret keys are reachable only through the explicitly named {@code ...SecretKey} methods.
 * {@link #destroy()} wipes all three; a node started from its configuration ({@link
 * Node#start(NodeConfig, NodeMetrics)}) opens its own keys and destroys them when it closes.
 * Thread-safe; apart from the one-way destruction, immutable.
 */
public final class NodeKeys implements Destroyable {
  /** The key store's file name in a data directory. */
  public static final String FILE_NAME = "keys.json";
  /** Largest key store file accepted, checked before reading it. */
  public static final int MAX_FILE_BYTES = 16 * 1024;
  private static final String FORMAT = "medledger-keys-v1";

  private final Ed25519PrivateKey ledgerKey;
  private final SecretKey encryptionKey;
  private final SecretKey fragmentSigningKey;

  private NodeKeys(Ed25519PrivateKey ledgerKey, SecretKey encryptionKey, SecretKey fragmentSigningKey) {
    this.ledgerKey = Objects.requireNonNull(ledgerKey, "ledgerKey");
    this.encryptionKey = Objects.requireNonNull(encryptionKey, "encryptionKey");
    this.fragmentSigningKey = Objects.requireNonNull(fragmentSigningKey, "fragmentSigningKey");
  }

  /** Fresh keys from {@code random}. */
  public static NodeKeys generate(SecureRandom random) {
    EntropySource e = EntropySource.of(random);
    return new NodeKeys(Ed25519PrivateKey.generate(random), SecretKey.random(e), SecretKey.random(e));
  }

  /** Keys from their parts. */
  public static NodeKeys of(Ed25519PrivateKey ledgerKey, SecretKey encryptionKey, SecretKey fragmentSigningKey) {
    return new NodeKeys(ledgerKey, encryptionKey, fragmentSigningKey);
  }

  /** The ledger key's public half. */
  public Ed25519PublicKey ledgerKey() {
    return ledgerKey.publicKey();
  }

  /** A signer over the ledger key. */
  public LedgerSigner signer() {
    return LedgerSigner.of(ledgerKey);
  }

  /** The Ed25519 ledger private key. Handle with care. */
  public Ed25519PrivateKey ledgerSecretKey() {
    return ledgerKey;
  }

  /** The Umbral secret key fragments and payloads are encrypted to. Handle with care. */
  public SecretKey encryptionSecretKey() {
    return encryptionKey;
  }

  /** The Umbral secret key that signs key fragments. Handle with care. */
  public SecretKey fragmentSigningSecretKey() {
    return fragmentSigningKey;
  }

  /**
   * Seals these keys under {@code passphrase} into {@code file} (mode 0600, written atomically;
   * the parent directory is created with mode 0700 if missing).
   *
   * @throws NodeException with reason KEY_STORE if the file already exists or cannot be written
   */
  public void save(Path file, char[] passphrase, SecureRandom random) {
    save(file, passphrase, random, PassphraseSeal.Cost.defaults());
  }

  /** {@link #save(Path, char[], SecureRandom)} at a given key-derivation cost (tests use the cheapest accepted). */
  void save(Path file, char[] passphrase, SecureRandom random, PassphraseSeal.Cost cost) {
    if (passphrase.length == 0) {
      throw new NodeException(NodeException.Reason.PASSPHRASE, "the passphrase is empty");
    }
    byte[] secret = new SealedKeys(ledgerKey, encryptionKey, fragmentSigningKey).toSecretBytes();
    PassphraseSeal.Sealed s;
    try {
      s = PassphraseSeal.seal(passphrase, secret, aad(ledgerKey(), cost), cost, random);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    String json = Json.write(true, g -> {
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeStringField("ledger_key", ledgerKey().toHex());
      g.writeStringField("kdf", "argon2id");
      g.writeNumberField("memory_kib", cost.memoryKib());
      g.writeNumberField("iterations", cost.iterations());
      g.writeNumberField("parallelism", cost.parallelism());
      g.writeStringField("salt", Hex.encode(s.salt()));
      g.writeStringField("aead", "aes-256-gcm");
      g.writeStringField("nonce", Hex.encode(s.nonce()));
      g.writeStringField("ciphertext", Hex.encode(s.ciphertext()));
      g.writeEndObject();
    }) + "\n";
    try {
      OwnerOnly.createDirectories(file.toAbsolutePath().getParent());
      OwnerOnly.write(file, json.getBytes(StandardCharsets.UTF_8), false);
    } catch (FileAlreadyExistsException e) {
      throw new NodeException(NodeException.Reason.KEY_STORE, "key store " + file + " already exists; not overwriting it");
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.KEY_STORE, "cannot write key store " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The ledger public key named in the key store {@code file}, without opening it.
   *
   * @throws NodeException with reason KEY_STORE if the file is missing or malformed
   */
  public static Ed25519PublicKey readPublicKey(Path file) {
    return parse(file).key;
  }

  /**
   * Opens the key store {@code file} with {@code passphrase}. The file must be owner-only. Once it
   * is open, the owner-only temporary copies ({@code .NAME.DIGITS.tmp}) that a save cut short by a
   * crash left beside it are deleted.
   *
   * @throws NodeException with reason PASSPHRASE for a wrong passphrase, KEY_STORE for a missing,
   *     malformed, tampered or group/world-readable file, one that is not a regular file or is a
   *     symbolic link, or one replaced while it was read (it is checked and read in one opening)
   */
  public static NodeKeys open(Path file, char[] passphrase) {
    byte[] bytes;
    try {
      bytes = SecretFile.read(file, MAX_FILE_BYTES, "key store " + file, SecretFile.Access.OWNER_ONLY);
    } catch (SecretFile.RefusedException e) {
      throw new NodeException(NodeException.Reason.KEY_STORE, "key store " + e.getMessage());
    } catch (NoSuchFileException e) {
      throw new NodeException(NodeException.Reason.KEY_STORE, "no key store at " + file);
    } catch (MalformedEncodingException e) {
      throw new NodeException(NodeException.Reason.KEY_STORE, "key store " + file + " is malformed: " + e.getMessage());
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.KEY_STORE, "cannot read key store " + file + ": " + e.getMessage());
    }
    Stored st = parse(file, () -> ConfigObject.parse(bytes, file.toString()));
    byte[] secret;
    try {
      secret = PassphraseSeal.open(passphrase, st.sealed, aad(st.key, st.sealed.cost()));
    } catch (PassphraseSeal.WrongPassphrase e) {
      throw new NodeException(NodeException.Reason.PASSPHRASE,
          "wrong passphrase for key store " + file + " (or the file was altered)");
    }
    try {
      if (secret.length != SealedKeys.LENGTH) {
        throw new NodeException(NodeException.Reason.KEY_STORE, "key store " + file + " holds a secret of a wrong length");
      }
      SealedKeys k = SealedKeys.fromSecretBytes(secret);
      NodeKeys keys = new NodeKeys(k.ledgerKey(), k.encryptionKey(), k.fragmentSigningKey());
      if (!k.ledgerKey().publicKey().equals(st.key)) {
        keys.destroy();
        throw new NodeException(NodeException.Reason.KEY_STORE, "key store " + file + ": the sealed key does not match ledger_key");
      }
      deleteTempsOf(file);
      return keys;
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new NodeException(NodeException.Reason.KEY_STORE, "key store " + file + " holds an invalid key");
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /**
   * Removes the temporary copies of {@code file} that a save or write cut short by a crash left
   * beside it; they hold what the file holds. A failure to list or delete them does not stop the
   * opening: it is reported on the log.
   */
  private static void deleteTempsOf(Path file) {
    try {
      io.medledger.internal.PrivateFiles.deleteTempsOf(file);
    } catch (IOException e) {
      System.getLogger(NodeKeys.class.getName()).log(System.Logger.Level.WARNING,
          "cannot remove the temporary files beside " + file + ": " + e.getMessage());
    }
  }

  private record Stored(Ed25519PublicKey key, PassphraseSeal.Sealed sealed) {}

  private static Stored parse(Path file) {
    return parse(file, () -> ConfigObject.read(file, MAX_FILE_BYTES));
  }

  /** Parses the key store {@code file} whose JSON {@code read} gives. */
  private static Stored parse(Path file, java.util.function.Supplier<ConfigObject> read) {
    try {
      ConfigObject o = read.get();
      if (!o.string("format", 40).equals(FORMAT)) {
        throw o.error("format", "must be " + FORMAT);
      }
      if (!o.string("kdf", 20).equals("argon2id")) {
        throw o.error("kdf", "must be argon2id");
      }
      if (!o.string("aead", 20).equals("aes-256-gcm")) {
        throw o.error("aead", "must be aes-256-gcm");
      }
      Ed25519PublicKey key;
      PassphraseSeal.Sealed sealed;
      try {
        key = Ed25519PublicKey.fromHex(o.string("ledger_key", 64));
        PassphraseSeal.Cost cost = new PassphraseSeal.Cost((int) o.integer("memory_kib", 0, 1 << 30),
            (int) o.integer("iterations", 0, 1000), (int) o.integer("parallelism", 0, 1000));
        sealed = new PassphraseSeal.Sealed(cost, Hex.decode(o.string("salt", 64)), Hex.decode(o.string("nonce", 64)),
            Hex.decode(o.string("ciphertext", 1024)));
      } catch (IllegalArgumentException | MalformedEncodingException e) {
        throw new NodeException(NodeException.Reason.KEY_STORE, "key store " + file + " is malformed: " + e.getMessage());
      }
      o.finish();
      return new Stored(key, sealed);
    } catch (ConfigObject.ConfigError e) {
      if (!Files.exists(file)) {
        throw new NodeException(NodeException.Reason.KEY_STORE, "no key store at " + file);
      }
      throw new NodeException(NodeException.Reason.KEY_STORE, "key store " + file + " is malformed: " + e.getMessage());
    }
  }

  private static byte[] aad(Ed25519PublicKey key, PassphraseSeal.Cost cost) {
    return (FORMAT + "\0" + key.toHex() + "\0argon2id\0" + cost.memoryKib() + "\0" + cost.iterations() + "\0"
        + cost.parallelism() + "\0aes-256-gcm").getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Reads the passphrase {@code source} names: an environment variable, or the first line of an
   * owner-only file. A file's passphrase is returned in a fresh array, the caller's to wipe, with no
   * other copy left on the heap (no {@code String}, every buffer wiped). An environment variable's
   * is read as bytes where the platform allows ({@link EnvironmentSecret}), but stays in the
   * process's environment whatever is done here, and in the JDK's as a {@code String} once any
   * code calls {@code System.getenv()}: prefer the file.
   *
   * @throws NodeException with reason PASSPHRASE if it is unset, empty, unreadable, not a regular
   *     file (a named pipe, a directory, a device), a symbolic link, not UTF-8, replaced while it
   *     was read (it is checked and read in one opening), or the file is readable by group or others
   */
  public static char[] passphrase(NodeConfig.KeySource source) {
    if (source instanceof NodeConfig.KeySource.Environment e) {
      char[] v;
      try {
        // as bytes where the platform allows, else from getenv's String, converted at once and dropped
        v = EnvironmentSecret.read(e.name());
      } catch (MalformedEncodingException bad) {
        throw new NodeException(NodeException.Reason.PASSPHRASE, bad.getMessage());
      }
      if (v == null || v.length == 0) {
        throw new NodeException(NodeException.Reason.PASSPHRASE, "environment variable " + e.name() + " is not set");
      }
      return v;
    }
    Path f = ((NodeConfig.KeySource.File) source).file();
    try {
      char[] line;
      try {
        // checked and read in one opening; no String of it: decoded leniently, every invalid byte
        // would become U+FFFD, so random bytes would fold into few passphrases; hence strictly, as UTF-8
        line = SecretLine.read(f, 4096, "passphrase file " + f, SecretFile.Access.OWNER_ONLY);
      } catch (MalformedEncodingException e) {
        throw new NodeException(NodeException.Reason.PASSPHRASE, e.getMessage());
      } catch (SecretFile.RefusedException e) {
        throw new NodeException(NodeException.Reason.PASSPHRASE, "passphrase file " + e.getMessage());
      }
      if (line.length == 0) {
        throw new NodeException(NodeException.Reason.PASSPHRASE, "passphrase file " + f + " is empty");
      }
      deleteTempsOf(f);
      return line;
    } catch (NoSuchFileException e) {
      throw new NodeException(NodeException.Reason.PASSPHRASE, "passphrase file " + f + " does not exist");
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.PASSPHRASE, "cannot read passphrase file " + f + ": " + e.getMessage());
    }
  }

  /**
   * Wipes the three secret keys; from then on each refuses to sign, decrypt or export with
   * {@link IllegalStateException}. Idempotent. Call it only once nothing uses the keys any more.
   */
  @Override
  public void destroy() {
    ledgerKey.destroy();
    encryptionKey.destroy();
    fragmentSigningKey.destroy();
  }

  /** Whether {@link #destroy()} was called. */
  @Override
  public boolean isDestroyed() {
    return ledgerKey.isDestroyed();
  }

  @Override
  public String toString() {
    return "NodeKeys[" + ledgerKey().toHex() + (isDestroyed() ? ", destroyed]" : ", secrets redacted]");
  }
}
