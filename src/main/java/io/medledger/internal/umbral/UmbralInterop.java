package io.medledger.internal.umbral;

import com.fasterxml.jackson.core.JsonGenerator;
import io.medledger.codec.Hex;
import io.medledger.internal.Json;
import io.medledger.pre.Capsule;
import io.medledger.pre.EncryptionResult;
import io.medledger.pre.EntropySource;
import io.medledger.pre.PublicKey;
import io.medledger.pre.SecretKey;
import io.medledger.pre.SecretKeyFactory;
import io.medledger.pre.Signer;
import io.medledger.pre.Umbral;
import io.medledger.pre.VerifiedCapsuleFrag;
import io.medledger.pre.VerifiedKeyFrag;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a fresh Umbral vectors file (SPEC.md Appendix A format) made entirely by this library:
 * new random keys, plaintexts of several lengths, 2-of-3 and 3-of-5 key-fragment sets with all
 * four signing-flag combinations, capsule fragments, decryptions, signatures, negative cases and
 * key-factory entries, with every random draw recorded so that a checker can replay them.
 *
 * <p>Not thread-safe.
 */
public final class UmbralInterop {
  /** Plaintext lengths of the generated cases. */
  static final int[] PLAINTEXT_LENGTHS = {0, 1, 37, 256, 4096};
  private static final int[][] SHAPES = {{2, 3}, {3, 5}};

  private static final String DEM_FAILED = "Decryption of ciphertext failed: either someone tampered with the "
      + "ciphertext or you are using an incorrect decryption key.";

  private final RecordingEntropy rng;

  /** A generator drawing from {@code source} (for example {@link EntropySource#secure()}). */
  public UmbralInterop(EntropySource source) {
    this.rng = new RecordingEntropy(source);
  }

  /** Builds the whole document as pretty-printed JSON. */
  public String document() {
    return Json.write(true, g -> {
      g.writeStartObject();
      g.writeStringField("schema", "umbral-pre-0.10.0/vectors/v1");
      g.writeStringField("set", "medledger-interop");
      g.writeObjectFieldStart("reference");
      g.writeStringField("producer", "MedLedger io.medledger.pre (Java), written from SPEC.md");
      g.writeStringField("target", "@nucypher/umbral-pre@0.10.0");
      g.writeEndObject();
      g.writeObjectFieldStart("conventions");
      g.writeStringField("bytes", "lowercase hex, no 0x prefix");
      g.writeStringField("randomness", "every draw the library made is recorded under rng.*, in call order");
      g.writeEndObject();
      g.writeObjectFieldStart("parameters");
      g.writeStringField("u_compressed", Secp256k1.U_HEX);
      g.writeEndObject();
      List<NegativeSeed> seeds = new ArrayList<>();
      g.writeArrayFieldStart("cases");
      for (int i = 0; i < PLAINTEXT_LENGTHS.length; i++) {
        writeCase(g, "J" + (i + 1), PLAINTEXT_LENGTHS[i], i, seeds);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("negative_cases");
      writeNegatives(g, seeds.get(2));
      g.writeEndArray();
      g.writeArrayFieldStart("secret_key_factory");
      for (int i = 0; i < 2; i++) {
        writeFactory(g, i);
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private byte[] plaintext(int length, int index) {
    if (length == 37) {
      return "Blood pressure 118/76, patient J-0003".getBytes(StandardCharsets.US_ASCII);
    }
    byte[] p = new byte[length];
    rng.nextBytes(p);
    rng.take();
    return p;
  }

  private static void hex(JsonGenerator g, String name, byte[] b) throws IOException {
    g.writeStringField(name, Hex.encode(b));
  }

  private static void draws(JsonGenerator g, String name, List<byte[]> d) throws IOException {
    if (name != null) {
      g.writeArrayFieldStart(name);
    } else {
      g.writeStartArray();
    }
    for (byte[] b : d) {
      g.writeString(Hex.encode(b));
    }
    g.writeEndArray();
  }

  /** Material of one case kept for the negative cases. */
  private record NegativeSeed(SecretKey delegating, SecretKey receiving, Signer signer, Capsule capsule,
      byte[] ciphertext, List<VerifiedKeyFrag> kfrags, List<VerifiedCapsuleFrag> cfrags,
      List<VerifiedCapsuleFrag> otherSetCfrags) {}

  private void writeCase(JsonGenerator g, String id, int length, int index, List<NegativeSeed> seeds)
      throws IOException {
    SecretKey delegating = SecretKey.random(rng);
    SecretKey receiving = SecretKey.random(rng);
    SecretKey signerKey = SecretKey.random(rng);
    rng.take();
    Signer signer = new Signer(signerKey);
    PublicKey delegatingPk = delegating.publicKey();
    PublicKey receivingPk = receiving.publicKey();
    byte[] plaintext = plaintext(length, index);
    EncryptionResult enc = Umbral.encrypt(delegatingPk, plaintext, rng);
    List<byte[]> encryptDraws = rng.take();
    Capsule capsule = enc.capsule();
    byte[] ciphertext = enc.ciphertext();

    g.writeStartObject();
    g.writeStringField("id", id);
    g.writeStringField("description", length + "-byte plaintext; 2-of-3 and 3-of-5 with all signing flags");
    g.writeObjectFieldStart("keys");
    hex(g, "delegating_sk", delegating.exportSecretBytes());
    hex(g, "delegating_pk", delegatingPk.toBytes());
    hex(g, "receiving_sk", receiving.exportSecretBytes());
    hex(g, "receiving_pk", receivingPk.toBytes());
    hex(g, "signer_sk", signerKey.exportSecretBytes());
    hex(g, "verifying_pk", signer.verifyingKey().toBytes());
    g.writeEndObject();
    hex(g, "plaintext", plaintext);
    if (length == 37) {
      g.writeStringField("plaintext_utf8", new String(plaintext, StandardCharsets.US_ASCII));
    }
    hex(g, "capsule", capsule.toBytes());
    hex(g, "capsule_simple", capsule.toBytesSimple());
    hex(g, "ciphertext", ciphertext);
    g.writeObjectFieldStart("expected");
    try {
      hex(g, "decrypt_original", Umbral.decryptOriginal(delegating, capsule, ciphertext));
    } catch (io.medledger.pre.DecryptionException e) {
      throw new IllegalStateException("own ciphertext did not decrypt: " + e.getMessage(), e);
    }
    g.writeEndObject();

    List<VerifiedKeyFrag> firstKfrags = null;
    List<VerifiedCapsuleFrag> firstCfrags = null;
    List<VerifiedCapsuleFrag> secondCfrags = null;
    g.writeArrayFieldStart("kfrag_sets");
    for (int[] shape : SHAPES) {
      for (int flags = 0; flags < 4; flags++) {
        int t = shape[0];
        int n = shape[1];
        boolean signA = (flags & 1) != 0;
        boolean signB = (flags & 2) != 0;
        List<VerifiedKeyFrag> kfrags = Umbral.generateKFrags(delegating, receivingPk, signer, t, n, signA, signB, rng);
        List<byte[]> kfragDraws = rng.take();
        List<VerifiedCapsuleFrag> cfrags = new ArrayList<>();
        List<List<byte[]>> reencryptDraws = new ArrayList<>();
        for (VerifiedKeyFrag k : kfrags) {
          cfrags.add(Umbral.reencrypt(capsule, k, rng));
          reencryptDraws.add(rng.take());
        }
        if (firstKfrags == null) {
          firstKfrags = kfrags;
          firstCfrags = cfrags;
        } else if (secondCfrags == null) {
          secondCfrags = cfrags;
        }
        g.writeStartObject();
        g.writeNumberField("threshold", t);
        g.writeNumberField("shares", n);
        g.writeBooleanField("sign_delegating_key", signA);
        g.writeBooleanField("sign_receiving_key", signB);
        g.writeArrayFieldStart("kfrags");
        for (VerifiedKeyFrag k : kfrags) {
          g.writeString(Hex.encode(k.toBytes()));
        }
        g.writeEndArray();
        g.writeArrayFieldStart("cfrags");
        for (VerifiedCapsuleFrag c : cfrags) {
          g.writeString(Hex.encode(c.toBytes()));
        }
        g.writeEndArray();
        g.writeArrayFieldStart("cfrags_simple");
        for (VerifiedCapsuleFrag c : cfrags) {
          g.writeString(Hex.encode(c.toBytesSimple()));
        }
        g.writeEndArray();
        g.writeArrayFieldStart("decryptions");
        for (int[] subset : subsets(t, n)) {
          List<VerifiedCapsuleFrag> chosen = new ArrayList<>();
          for (int ix : subset) {
            chosen.add(cfrags.get(ix));
          }
          byte[] out;
          try {
            out = Umbral.decryptReencrypted(receiving, delegatingPk, capsule, chosen, ciphertext);
          } catch (io.medledger.pre.DecryptionException e) {
            throw new IllegalStateException("own cfrags did not decrypt: " + e.getMessage(), e);
          }
          if (!Arrays.equals(out, plaintext)) {
            throw new IllegalStateException("own cfrags decrypted to a different plaintext");
          }
          g.writeStartObject();
          g.writeArrayFieldStart("cfrag_indices");
          for (int ix : subset) {
            g.writeNumber(ix);
          }
          g.writeEndArray();
          hex(g, "plaintext", out);
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeObjectFieldStart("rng");
        draws(g, "generate_kfrags", kfragDraws);
        g.writeArrayFieldStart("reencrypt");
        for (List<byte[]> d : reencryptDraws) {
          draws(g, null, d);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
      }
    }
    g.writeEndArray();

    g.writeArrayFieldStart("signatures");
    byte[][] messages = {("medledger interop " + id).getBytes(StandardCharsets.US_ASCII), new byte[0]};
    for (byte[] m : messages) {
      io.medledger.pre.Signature sig = signer.sign(m, rng);
      List<byte[]> d = rng.take();
      g.writeStartObject();
      hex(g, "message", m);
      hex(g, "signature", sig.toBytes());
      hex(g, "signature_der", sig.toDerBytes());
      draws(g, "rng", d);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeObjectFieldStart("rng");
    draws(g, "encrypt", encryptDraws);
    g.writeEndObject();
    g.writeEndObject();
    seeds.add(new NegativeSeed(delegating, receiving, signer, capsule, ciphertext, firstKfrags, firstCfrags,
        secondCfrags));
  }

  private static List<int[]> subsets(int t, int n) {
    List<int[]> out = new ArrayList<>();
    int[] first = new int[t];
    int[] last = new int[t];
    for (int i = 0; i < t; i++) {
      first[i] = i;
      last[i] = n - 1 - i;
    }
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = (i + 1) % n;
    }
    out.add(first);
    out.add(last);
    out.add(all);
    return out;
  }

  private static byte[] flip(byte[] b, int index) {
    byte[] c = b.clone();
    c[index] ^= 0x01;
    return c;
  }

  private void writeNegatives(JsonGenerator g, NegativeSeed s) throws IOException {
    byte[] capsule = s.capsule().toBytes();
    byte[] ct = s.ciphertext();
    String delegatingPk = Hex.encode(s.delegating().publicKey().toBytes());
    String receivingPk = Hex.encode(s.receiving().publicKey().toBytes());
    String verifyingPk = Hex.encode(s.signer().verifyingKey().toBytes());
    int k = 1;
    neg(g, k++, "capsule with the last byte of s flipped", "capsule_from_bytes",
        new String[] {"capsule", Hex.encode(flip(capsule, capsule.length - 1))},
        "Capsule: self-verification failed (s*G != V + h*E)");
    neg(g, k++, "capsule truncated by one byte", "capsule_from_bytes",
        new String[] {"capsule", Hex.encode(Arrays.copyOf(capsule, capsule.length - 1))},
        "MessagePack: truncated input");
    neg(g, k++, "ciphertext with its last byte flipped", "decrypt_original",
        new String[] {"delegating_sk", Hex.encode(s.delegating().exportSecretBytes()), "capsule", Hex.encode(capsule),
            "ciphertext", Hex.encode(flip(ct, ct.length - 1))},
        "DecryptionError::AuthenticationFailed");
    neg(g, k++, "decrypt_original with the receiving key", "decrypt_original",
        new String[] {"delegating_sk", Hex.encode(s.receiving().exportSecretBytes()), "capsule", Hex.encode(capsule),
            "ciphertext", Hex.encode(ct)},
        "DecryptionError::AuthenticationFailed");
    byte[] kfrag = s.kfrags().get(0).toBytes();
    neg(g, k++, "kfrag verified with the receiving key as verifying key", "kfrag_verify",
        new String[] {"kfrag", Hex.encode(kfrag), "verifying_pk", receivingPk, "delegating_pk", delegatingPk,
            "receiving_pk", receivingPk},
        "KeyFragVerificationError::IncorrectSignature");
    neg(g, k++, "kfrag whose key scalar was altered", "kfrag_verify",
        new String[] {"kfrag", Hex.encode(flip(kfrag, 104)), "verifying_pk", verifyingPk, "delegating_pk",
            delegatingPk, "receiving_pk", receivingPk},
        "KeyFragVerificationError::IncorrectCommitment");
    byte[] cfrag = s.cfrags().get(0).toBytes();
    neg(g, k++, "cfrag with its proof scalar z altered", "cfrag_verify",
        new String[] {"cfrag", Hex.encode(flip(cfrag, 314)), "capsule", Hex.encode(capsule), "verifying_pk",
            verifyingPk, "delegating_pk", delegatingPk, "receiving_pk", receivingPk},
        "CapsuleFragVerificationError::IncorrectReencryption");
    neg(g, k++, "cfrag verified with the wrong verifying key", "cfrag_verify",
        new String[] {"cfrag", Hex.encode(cfrag), "capsule", Hex.encode(capsule), "verifying_pk", delegatingPk,
            "delegating_pk", delegatingPk, "receiving_pk", receivingPk},
        "CapsuleFragVerificationError::IncorrectKeyFragSignature");
    String rsk = Hex.encode(s.receiving().exportSecretBytes());
    String c0 = Hex.encode(s.cfrags().get(0).toBytes());
    String c1 = Hex.encode(s.cfrags().get(1).toBytes());
    String other = Hex.encode(s.otherSetCfrags().get(1).toBytes());
    negCombine(g, k++, "fewer cfrags than the threshold", rsk, delegatingPk, capsule, ct, new String[] {c0},
        "ReencryptionError::OnOpen(ValidationFailed)");
    negCombine(g, k++, "no cfrags", rsk, delegatingPk, capsule, ct, new String[] {},
        "ReencryptionError::OnOpen(NoCapsuleFrags)");
    negCombine(g, k++, "the same cfrag twice", rsk, delegatingPk, capsule, ct, new String[] {c0, c0},
        "ReencryptionError::OnOpen(RepeatingCapsuleFrags)");
    negCombine(g, k++, "cfrags from two generate_kfrags calls", rsk, delegatingPk, capsule, ct,
        new String[] {c0, other}, "ReencryptionError::OnOpen(MismatchedCapsuleFrags)");
    negCombine(g, k++, "the delegating secret key instead of the receiving one",
        Hex.encode(s.delegating().exportSecretBytes()), delegatingPk, capsule, ct, new String[] {c0, c1},
        "ReencryptionError::OnOpen(ValidationFailed)");
    negCombine(g, k++, "a tampered ciphertext", rsk, delegatingPk, capsule, flip(ct, 30), new String[] {c0, c1},
        "ReencryptionError::OnDecryption(AuthenticationFailed)");
    neg(g, k++, "secret key = 0", "secret_key_from_bytes", new String[] {"secret_key", Hex.encode(new byte[32])},
        "SecretKey: zero or >= n");
    neg(g, k++, "public key = identity", "public_key_from_bytes", new String[] {"public_key", "00"},
        "PublicKey: identity point");
    g.writeStartObject();
    g.writeStringField("id", String.format("JN%02d", k));
    g.writeStringField("description", "signature over a different message");
    g.writeStringField("operation", "signature_verify");
    g.writeObjectFieldStart("inputs");
    hex(g, "signature", s.signer().sign(new byte[] {1, 2, 3}, rng).toBytes());
    rng.take();
    hex(g, "message", new byte[] {1, 2, 4});
    g.writeStringField("verifying_pk", verifyingPk);
    g.writeEndObject();
    g.writeObjectFieldStart("expected");
    g.writeBooleanField("ok", true);
    g.writeBooleanField("result", false);
    g.writeEndObject();
    g.writeEndObject();
  }

  private static void negCombine(JsonGenerator g, int k, String description, String receivingSk, String delegatingPk,
      byte[] capsule, byte[] ct, String[] cfrags, String kind) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", String.format("JN%02d", k));
    g.writeStringField("description", "decrypt_reencrypted with " + description + " (verification skipped)");
    g.writeStringField("operation", "decrypt_reencrypted");
    g.writeObjectFieldStart("inputs");
    g.writeStringField("receiving_sk", receivingSk);
    g.writeStringField("delegating_pk", delegatingPk);
    hex(g, "capsule", capsule);
    hex(g, "ciphertext", ct);
    g.writeArrayFieldStart("cfrags");
    for (String c : cfrags) {
      g.writeString(c);
    }
    g.writeEndArray();
    g.writeEndObject();
    expectedError(g, kind);
    g.writeEndObject();
  }

  private static void neg(JsonGenerator g, int k, String description, String operation, String[] inputs, String kind)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("id", String.format("JN%02d", k));
    g.writeStringField("description", description);
    g.writeStringField("operation", operation);
    g.writeObjectFieldStart("inputs");
    for (int i = 0; i < inputs.length; i += 2) {
      g.writeStringField(inputs[i], inputs[i + 1]);
    }
    g.writeEndObject();
    expectedError(g, kind);
    g.writeEndObject();
  }

  /** The reference's message for each error kind (SPEC.md section 10). */
  private static final java.util.Map<String, String> REFERENCE_MESSAGES = java.util.Map.ofEntries(
      java.util.Map.entry("Capsule: self-verification failed (s*G != V + h*E)", "Capsule self-verification failed"),
      java.util.Map.entry("MessagePack: truncated input", "IO error while reading data: unexpected end of file"),
      java.util.Map.entry("DecryptionError::AuthenticationFailed", DEM_FAILED),
      java.util.Map.entry("KeyFragVerificationError::IncorrectSignature", "Failed to verify the kfrag signature"),
      java.util.Map.entry("KeyFragVerificationError::IncorrectCommitment", "Invalid kfrag commitment"),
      java.util.Map.entry("CapsuleFragVerificationError::IncorrectReencryption", "Failed to verify reencryption proof"),
      java.util.Map.entry("CapsuleFragVerificationError::IncorrectKeyFragSignature", "Invalid CapsuleFrag signature"),
      java.util.Map.entry("ReencryptionError::OnOpen(ValidationFailed)",
          "Re-encryption error on open: Internal validation failed"),
      java.util.Map.entry("ReencryptionError::OnOpen(NoCapsuleFrags)",
          "Re-encryption error on open: Empty CapsuleFrag sequence"),
      java.util.Map.entry("ReencryptionError::OnOpen(RepeatingCapsuleFrags)",
          "Re-encryption error on open: Some of the CapsuleFrags are repeated"),
      java.util.Map.entry("ReencryptionError::OnOpen(MismatchedCapsuleFrags)",
          "Re-encryption error on open: CapsuleFrags are not pairwise consistent"),
      java.util.Map.entry("ReencryptionError::OnDecryption(AuthenticationFailed)",
          "Re-encryption error on decryption: " + DEM_FAILED),
      java.util.Map.entry("SecretKey: zero or >= n", "crypto error"),
      java.util.Map.entry("PublicKey: identity point", "Cannot instantiate a public key from the given curve point"));

  private static void expectedError(JsonGenerator g, String kind) throws IOException {
    g.writeObjectFieldStart("expected");
    g.writeBooleanField("ok", false);
    String message = REFERENCE_MESSAGES.get(kind);
    if (message == null) {
      throw new IllegalStateException("no reference message for " + kind);
    }
    g.writeStringField("error", message);
    g.writeStringField("error_kind", kind);
    g.writeEndObject();
  }

  private void writeFactory(JsonGenerator g, int i) throws IOException {
    SecretKeyFactory f = SecretKeyFactory.random(rng);
    rng.take();
    byte[] label = ("medledger-label-" + i).getBytes(StandardCharsets.US_ASCII);
    g.writeStartObject();
    hex(g, "seed", f.exportSecretSeed());
    hex(g, "label", label);
    g.writeStringField("label_utf8", new String(label, StandardCharsets.US_ASCII));
    SecretKey key = f.makeKey(label);
    hex(g, "make_key", key.exportSecretBytes());
    hex(g, "make_key_public", key.publicKey().toBytes());
    hex(g, "make_secret", f.exportSecretMaterial(label));
    hex(g, "make_factory_then_make_key_same_label", f.makeFactory(label).makeKey(label).exportSecretBytes());
    g.writeEndObject();
  }
}
