package io.medledger.internal.umbral;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.Json;
import io.medledger.pre.Capsule;
import io.medledger.pre.CapsuleFrag;
import io.medledger.pre.DecryptionException;
import io.medledger.pre.EncryptionResult;
import io.medledger.pre.KeyFrag;
import io.medledger.pre.PublicKey;
import io.medledger.pre.SecretKey;
import io.medledger.pre.SecretKeyFactory;
import io.medledger.pre.Signature;
import io.medledger.pre.Signer;
import io.medledger.pre.Umbral;
import io.medledger.pre.Verification;
import io.medledger.pre.VerificationFailure;
import io.medledger.pre.VerifiedCapsuleFrag;
import io.medledger.pre.VerifiedKeyFrag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Runs every check of an Umbral vectors file (the format of SPEC.md Appendix A): each object
 * parses, re-serializes to identical bytes and verifies; decryptions give the expected
 * plaintexts; recorded draws, replayed, reproduce capsules, ciphertexts, key fragments, capsule
 * fragments and signatures byte for byte; every negative case fails for the expected reason; the
 * key factory entries match.
 *
 * <p>Not thread-safe (it accumulates a report); use one instance per file.
 */
public final class UmbralVectorCheck {
  private final List<String> lines = new ArrayList<>();
  private int passed;
  private int failed;
  private final boolean verbose;

  /** A checker; {@code verbose} also lists the passing checks. */
  public UmbralVectorCheck(boolean verbose) {
    this.verbose = verbose;
  }

  /** Number of passed checks. */
  public int passed() {
    return passed;
  }

  /** Number of failed checks. */
  public int failed() {
    return failed;
  }

  /** Report lines: failures (and passes if verbose), without the summary. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** The summary line {@code N passed, N failed}. */
  public String summary() {
    return passed + " passed, " + failed + " failed";
  }

  @FunctionalInterface
  private interface Check {
    /** Returns null when the check holds, else what went wrong. */
    String run() throws Exception;
  }

  private void check(String name, Check c) {
    String problem;
    try {
      problem = c.run();
    } catch (Exception | AssertionError e) {
      problem = "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    if (problem == null) {
      passed++;
      if (verbose) {
        lines.add("ok   " + name);
      }
    } else {
      failed++;
      lines.add("FAIL " + name + ": " + problem);
    }
  }

  private static String same(String what, byte[] expected, byte[] actual) {
    return Arrays.equals(expected, actual) ? null
        : what + " differs: expected " + Hex.encode(expected) + ", got " + Hex.encode(actual);
  }

  private static byte[] hex(Map<String, Object> o, String key) {
    return Hex.decode(Json.asString(Json.member(o, key), key));
  }

  private static List<byte[]> hexList(Object v, String what) {
    List<byte[]> out = new ArrayList<>();
    for (Object x : Json.asArray(v, what)) {
      out.add(Hex.decode(Json.asString(x, what)));
    }
    return out;
  }

  /** Checks a parsed vectors document (the top-level JSON object). */
  public void checkDocument(Object document) {
    Map<String, Object> root = Json.asObject(document, "vectors file");
    if (root.containsKey("parameters")) {
      Map<String, Object> p = Json.asObject(root.get("parameters"), "parameters");
      if (p.containsKey("u_compressed")) {
        check("parameters.u_compressed", () -> same("U", hex(p, "u_compressed"), CurvePoint.U.toBytes()));
      }
    }
    List<Object> cases = root.containsKey("cases") ? Json.asArray(root.get("cases"), "cases") : List.of();
    for (int i = 0; i < cases.size(); i++) {
      Map<String, Object> c = Json.asObject(cases.get(i), "case");
      String id = c.containsKey("id") ? Json.asString(c.get("id"), "id") : "case" + i;
      try {
        checkCase(id, c);
      } catch (RuntimeException e) {
        check(id + " structure", () -> "cannot read case: " + e.getMessage());
      }
    }
    if (root.containsKey("negative_cases")) {
      for (Object n : Json.asArray(root.get("negative_cases"), "negative_cases")) {
        Map<String, Object> neg = Json.asObject(n, "negative case");
        String id = neg.containsKey("id") ? Json.asString(neg.get("id"), "id") : "negative";
        check(id + " " + neg.get("operation"), () -> negative(neg));
      }
    }
    if (root.containsKey("secret_key_factory")) {
      List<Object> f = Json.asArray(root.get("secret_key_factory"), "secret_key_factory");
      for (int i = 0; i < f.size(); i++) {
        String name = "secret_key_factory[" + i + "]";
        try {
          checkFactory(name, Json.asObject(f.get(i), "secret_key_factory entry"));
        } catch (RuntimeException e) {
          check(name + " structure", () -> "cannot read entry: " + e.getMessage());
        }
      }
    }
    if (passed + failed == 0) {
      check("document", () -> "no checks found (no cases, negative_cases or secret_key_factory)");
    }
  }

  private void checkFactory(String name, Map<String, Object> e) {
    SecretKeyFactory f = SecretKeyFactory.fromSecretSeed(hex(e, "seed"));
    byte[] label = hex(e, "label");
    if (e.containsKey("make_key")) {
      check(name + " make_key", () -> same("key", hex(e, "make_key"), f.makeKey(label).exportSecretBytes()));
    }
    if (e.containsKey("make_key_public")) {
      check(name + " make_key public", () -> same("public key", hex(e, "make_key_public"),
          f.makeKey(label).publicKey().toBytes()));
    }
    if (e.containsKey("make_secret")) {
      check(name + " make_secret", () -> same("secret", hex(e, "make_secret"), f.exportSecretMaterial(label)));
    }
    if (e.containsKey("make_factory_then_make_key_same_label")) {
      check(name + " make_factory/make_key", () -> same("key", hex(e, "make_factory_then_make_key_same_label"),
          f.makeFactory(label).makeKey(label).exportSecretBytes()));
    }
  }

  private void checkCase(String id, Map<String, Object> c) {
    Map<String, Object> keys = Json.asObject(Json.member(c, "keys"), "keys");
    SecretKey delegating = SecretKey.fromSecretBytes(hex(keys, "delegating_sk"));
    SecretKey receiving = SecretKey.fromSecretBytes(hex(keys, "receiving_sk"));
    SecretKey signerSk = SecretKey.fromSecretBytes(hex(keys, "signer_sk"));
    PublicKey delegatingPk = PublicKey.fromBytes(hex(keys, "delegating_pk"));
    PublicKey receivingPk = PublicKey.fromBytes(hex(keys, "receiving_pk"));
    PublicKey verifyingPk = PublicKey.fromBytes(hex(keys, "verifying_pk"));
    Signer signer = new Signer(signerSk);
    check(id + " keys", () -> {
      if (!delegating.publicKey().equals(delegatingPk) || !receiving.publicKey().equals(receivingPk)
          || !signer.verifyingKey().equals(verifyingPk)) {
        return "a public key does not match its secret key";
      }
      String s = same("delegating_sk", hex(keys, "delegating_sk"), delegating.exportSecretBytes());
      s = s != null ? s : same("delegating_pk", hex(keys, "delegating_pk"), delegatingPk.toBytes());
      s = s != null ? s : same("receiving_pk", hex(keys, "receiving_pk"), receivingPk.toBytes());
      return s != null ? s : same("verifying_pk", hex(keys, "verifying_pk"), verifyingPk.toBytes());
    });

    byte[] plaintext = hex(c, "plaintext");
    byte[] capsuleBytes = hex(c, "capsule");
    byte[] ciphertext = hex(c, "ciphertext");
    Capsule capsule;
    try {
      capsule = Capsule.fromBytes(capsuleBytes);
    } catch (MalformedEncodingException e) {
      check(id + " capsule parses", () -> e.getMessage());
      return;
    }
    check(id + " capsule round trip", () -> same("capsule", capsuleBytes, capsule.toBytes()));
    if (c.containsKey("capsule_simple")) {
      check(id + " capsule simple", () -> same("capsule_simple", hex(c, "capsule_simple"), capsule.toBytesSimple()));
    }
    check(id + " decrypt_original", () -> {
      byte[] expected = plaintext;
      if (c.containsKey("expected")) {
        Map<String, Object> ex = Json.asObject(c.get("expected"), "expected");
        if (ex.containsKey("decrypt_original")) {
          expected = hex(ex, "decrypt_original");
        }
      }
      return same("plaintext", expected, Umbral.decryptOriginal(delegating, capsule, ciphertext));
    });
    Map<String, Object> rng = c.containsKey("rng") ? Json.asObject(c.get("rng"), "rng") : Map.of();
    if (rng.containsKey("encrypt")) {
      check(id + " encrypt replay", () -> {
        ReplayEntropy replay = new ReplayEntropy(hexList(rng.get("encrypt"), "rng.encrypt"));
        EncryptionResult r = Umbral.encrypt(delegatingPk, plaintext, replay);
        String s = same("capsule", capsuleBytes, r.capsule().toBytes());
        s = s != null ? s : same("ciphertext", ciphertext, r.ciphertext());
        return s != null ? s : replay.exhausted() ? null : "not all recorded draws were used";
      });
    }
    List<Object> sets = c.containsKey("kfrag_sets") ? Json.asArray(c.get("kfrag_sets"), "kfrag_sets") : List.of();
    for (int k = 0; k < sets.size(); k++) {
      Map<String, Object> set = Json.asObject(sets.get(k), "kfrag set");
      String name = id + " kfrag_set[" + k + "]";
      try {
        checkKfragSet(name, set, delegating, receiving, signer, delegatingPk, receivingPk, verifyingPk, capsule,
            ciphertext, plaintext);
      } catch (RuntimeException e) {
        check(name + " structure", () -> "cannot read kfrag set: " + e.getMessage());
      }
    }
    List<Object> sigs = c.containsKey("signatures") ? Json.asArray(c.get("signatures"), "signatures") : List.of();
    for (int k = 0; k < sigs.size(); k++) {
      Map<String, Object> sig = Json.asObject(sigs.get(k), "signature");
      String name = id + " signature[" + k + "]";
      byte[] message = hex(sig, "message");
      byte[] sigBytes = hex(sig, "signature");
      check(name + " verifies", () -> {
        Signature s = Signature.fromBytes(sigBytes);
        if (!s.verify(verifyingPk, message)) {
          return "does not verify";
        }
        String diff = same("signature", sigBytes, s.toBytes());
        if (diff == null && sig.containsKey("signature_der")) {
          diff = same("DER", hex(sig, "signature_der"), s.toDerBytes());
          diff = diff != null ? diff : same("DER parse", sigBytes, Signature.fromDerBytes(hex(sig, "signature_der")).toBytes());
        }
        return diff;
      });
      if (sig.containsKey("rng")) {
        check(name + " sign replay", () -> {
          ReplayEntropy replay = new ReplayEntropy(hexList(sig.get("rng"), "signature rng"));
          String s = same("signature", sigBytes, signer.sign(message, replay).toBytes());
          return s != null ? s : replay.exhausted() ? null : "not all recorded draws were used";
        });
      }
    }
  }

  private void checkKfragSet(String name, Map<String, Object> set, SecretKey delegating, SecretKey receiving,
      Signer signer, PublicKey delegatingPk, PublicKey receivingPk, PublicKey verifyingPk, Capsule capsule,
      byte[] ciphertext, byte[] plaintext) {
    int threshold = (int) Json.asLong(Json.member(set, "threshold"), "threshold");
    int shares = (int) Json.asLong(Json.member(set, "shares"), "shares");
    boolean signA = Boolean.TRUE.equals(Json.member(set, "sign_delegating_key"));
    boolean signB = Boolean.TRUE.equals(Json.member(set, "sign_receiving_key"));
    List<byte[]> kfragBytes = hexList(Json.member(set, "kfrags"), "kfrags");
    List<byte[]> cfragBytes = set.containsKey("cfrags") ? hexList(set.get("cfrags"), "cfrags") : List.of();
    check(name + " sizes", () -> kfragBytes.size() == shares ? null
        : "expected " + shares + " kfrags, found " + kfragBytes.size());
    VerifiedKeyFrag[] verified = new VerifiedKeyFrag[kfragBytes.size()];
    for (int i = 0; i < kfragBytes.size(); i++) {
      byte[] kb = kfragBytes.get(i);
      int index = i;
      String kn = name + " kfrag[" + i + "]";
      check(kn + " parses, round-trips and verifies", () -> {
        KeyFrag kf = KeyFrag.fromBytes(kb);
        String s = same("kfrag", kb, kf.toBytes());
        if (s != null) {
          return s;
        }
        if (kf.delegatingKeySigned() != signA || kf.receivingKeySigned() != signB) {
          return "signing flags differ from the set's";
        }
        Verification<VerifiedKeyFrag> all = kf.verify(verifyingPk, delegatingPk, receivingPk);
        Verification<VerifiedKeyFrag> minimal = kf.verify(verifyingPk, signA ? delegatingPk : null,
            signB ? receivingPk : null);
        if (!all.isVerified() || !minimal.isVerified()) {
          return "does not verify: " + all.failure().orElse(minimal.failure().orElse(null));
        }
        verified[index] = all.orElseThrow();
        return same("verified kfrag", kb, verified[index].toBytes());
      });
    }
    Map<String, Object> rng = set.containsKey("rng") ? Json.asObject(set.get("rng"), "rng") : Map.of();
    if (rng.containsKey("generate_kfrags")) {
      check(name + " generate_kfrags replay", () -> {
        ReplayEntropy replay = new ReplayEntropy(hexList(rng.get("generate_kfrags"), "rng.generate_kfrags"));
        List<VerifiedKeyFrag> made = Umbral.generateKFrags(delegating, receivingPk, signer, threshold, shares, signA,
            signB, replay);
        if (made.size() != kfragBytes.size()) {
          return "made " + made.size() + " kfrags, file has " + kfragBytes.size();
        }
        for (int i = 0; i < made.size(); i++) {
          String s = same("kfrag[" + i + "]", kfragBytes.get(i), made.get(i).toBytes());
          if (s != null) {
            return s;
          }
        }
        return replay.exhausted() ? null : "not all recorded draws were used";
      });
    }
    List<byte[]> simple = set.containsKey("cfrags_simple") ? hexList(set.get("cfrags_simple"), "cfrags_simple") : null;
    List<List<byte[]>> reencryptRng = new ArrayList<>();
    if (rng.containsKey("reencrypt")) {
      for (Object r : Json.asArray(rng.get("reencrypt"), "rng.reencrypt")) {
        reencryptRng.add(hexList(r, "rng.reencrypt[i]"));
      }
    }
    VerifiedCapsuleFrag[] vcfrags = new VerifiedCapsuleFrag[cfragBytes.size()];
    for (int i = 0; i < cfragBytes.size(); i++) {
      byte[] cb = cfragBytes.get(i);
      int index = i;
      String cn = name + " cfrag[" + i + "]";
      check(cn + " parses, round-trips and verifies", () -> {
        CapsuleFrag cf = CapsuleFrag.fromBytes(cb);
        String s = same("cfrag", cb, cf.toBytes());
        if (s == null && simple != null) {
          s = same("cfrag simple", simple.get(index), cf.toBytesSimple());
        }
        if (s != null) {
          return s;
        }
        Verification<VerifiedCapsuleFrag> v = cf.verify(capsule, verifyingPk, delegatingPk, receivingPk);
        if (!v.isVerified()) {
          return "does not verify: " + v.failure().orElseThrow();
        }
        vcfrags[index] = v.orElseThrow();
        return same("verified cfrag", cb, vcfrags[index].toBytes());
      });
      if (index < reencryptRng.size()) {
        check(cn + " reencrypt replay", () -> {
          if (index >= verified.length || verified[index] == null) {
            return "kfrag[" + index + "] did not verify";
          }
          ReplayEntropy replay = new ReplayEntropy(reencryptRng.get(index));
          String s = same("cfrag", cb, Umbral.reencrypt(capsule, verified[index], replay).toBytes());
          return s != null ? s : replay.exhausted() ? null : "not all recorded draws were used";
        });
      }
    }
    List<Object> decryptions = set.containsKey("decryptions") ? Json.asArray(set.get("decryptions"), "decryptions")
        : List.of();
    for (int d = 0; d < decryptions.size(); d++) {
      Map<String, Object> dec = Json.asObject(decryptions.get(d), "decryption");
      List<Object> indices = Json.asArray(Json.member(dec, "cfrag_indices"), "cfrag_indices");
      check(name + " decryption " + indices, () -> {
        List<VerifiedCapsuleFrag> chosen = new ArrayList<>();
        for (Object ix : indices) {
          long i = Json.asLong(ix, "cfrag index");
          if (i < 0 || i >= vcfrags.length || vcfrags[(int) i] == null) {
            return "cfrag[" + i + "] is missing or did not verify";
          }
          chosen.add(vcfrags[(int) i]);
        }
        byte[] expected = dec.containsKey("plaintext") ? hex(dec, "plaintext") : plaintext;
        return same("plaintext", expected, Umbral.decryptReencrypted(receiving, delegatingPk, capsule, chosen,
            ciphertext));
      });
    }
  }

  /**
   * What an operation did: {@code ok} with a value (bytes, or a Boolean for verifications), or
   * not ok with the reason (null for malformed input).
   */
  private record Outcome(boolean ok, Object value, Object reason) {
    static Outcome of(Object value) {
      return new Outcome(true, value, null);
    }

    static Outcome failed(Object reason) {
      return new Outcome(false, null, reason);
    }

    static Outcome verdict(Verification<?> v) {
      return new Outcome(true, v.isVerified(), v.failure().orElse(null));
    }
  }

  /** Runs one negative (or expected-outcome) case; returns null if it behaved as expected. */
  private static String negative(Map<String, Object> n) throws Exception {
    String op = Json.asString(Json.member(n, "operation"), "operation");
    Map<String, Object> in = Json.asObject(Json.member(n, "inputs"), "inputs");
    Map<String, Object> expected = Json.asObject(Json.member(n, "expected"), "expected");
    String kind = expected.get("error_kind") instanceof String s ? s : "";
    Outcome out;
    try {
      out = evaluate(op, in);
    } catch (MalformedEncodingException e) {
      out = Outcome.failed(null);
    } catch (DecryptionException e) {
      out = Outcome.failed(e.reason());
    }
    if (out == null) {
      return "unknown operation '" + op + "'";
    }
    boolean verdict = out.value() instanceof Boolean;
    if (!Boolean.TRUE.equals(expected.get("ok"))) {
      if (out.ok() && (!verdict || (Boolean) out.value())) {
        return verdict ? "verified" : "succeeded";
      }
      Object want = kind.isEmpty() ? null : verdict || out.reason() instanceof VerificationFailure
          ? verificationReason(kind) : decryptionReason(kind);
      return want == null || out.reason() == null || want == out.reason() ? null
          : "failed with " + out.reason() + ", expected " + want;
    }
    if (!out.ok()) {
      return "failed (" + (out.reason() == null ? "malformed input" : out.reason()) + ") but should succeed";
    }
    Object result = expected.get("result");
    if (result instanceof Boolean b) {
      return b.equals(out.value()) ? null : "result " + out.value() + ", expected " + b;
    }
    if (result instanceof String hexResult && out.value() instanceof byte[] bytes) {
      return same("result", Hex.decode(hexResult), bytes);
    }
    return verdict && !(Boolean) out.value() ? "rejected: " + out.reason() : null;
  }

  private static Outcome evaluate(String op, Map<String, Object> in) throws DecryptionException {
    switch (op) {
      case "capsule_from_bytes":
        return Outcome.of(Capsule.fromBytes(hex(in, "capsule")).toBytes());
      case "secret_key_from_bytes":
        return Outcome.of(SecretKey.fromSecretBytes(hex(in, "secret_key")).exportSecretBytes());
      case "public_key_from_bytes":
        return Outcome.of(PublicKey.fromBytes(hex(in, "public_key")).toBytes());
      case "signature_verify":
        return Outcome.of(Signature.fromBytes(hex(in, "signature"))
            .verify(PublicKey.fromBytes(hex(in, "verifying_pk")), hex(in, "message")));
      case "decrypt_original":
        return Outcome.of(Umbral.decryptOriginal(SecretKey.fromSecretBytes(hex(in, "delegating_sk")),
            Capsule.fromBytes(hex(in, "capsule")), hex(in, "ciphertext")));
      case "kfrag_verify":
        return Outcome.verdict(KeyFrag.fromBytes(hex(in, "kfrag")).verify(PublicKey.fromBytes(hex(in, "verifying_pk")),
            optionalKey(in, "delegating_pk"), optionalKey(in, "receiving_pk")));
      case "cfrag_verify":
        return Outcome.verdict(CapsuleFrag.fromBytes(hex(in, "cfrag")).verify(Capsule.fromBytes(hex(in, "capsule")),
            PublicKey.fromBytes(hex(in, "verifying_pk")), PublicKey.fromBytes(hex(in, "delegating_pk")),
            PublicKey.fromBytes(hex(in, "receiving_pk"))));
      case "decrypt_reencrypted": {
        SecretKey sk = SecretKey.fromSecretBytes(hex(in, "receiving_sk"));
        PublicKey delegatingPk = PublicKey.fromBytes(hex(in, "delegating_pk"));
        Capsule capsule = Capsule.fromBytes(hex(in, "capsule"));
        boolean verifyFirst = in.get("verifying_pk") != null && in.get("receiving_pk") != null;
        List<VerifiedCapsuleFrag> cfrags = new ArrayList<>();
        for (byte[] b : hexList(Json.member(in, "cfrags"), "cfrags")) {
          if (verifyFirst) {
            Verification<VerifiedCapsuleFrag> v = CapsuleFrag.fromBytes(b).verify(capsule,
                PublicKey.fromBytes(hex(in, "verifying_pk")), delegatingPk, PublicKey.fromBytes(hex(in, "receiving_pk")));
            if (!v.isVerified()) {
              return Outcome.failed(v.failure().orElseThrow());
            }
            cfrags.add(v.verified().orElseThrow());
          } else {
            // The case exercises the combination's own checks: trust the fragments as given.
            cfrags.add(VerifiedCapsuleFrag.fromTrustedBytes(b));
          }
        }
        return Outcome.of(Umbral.decryptReencrypted(sk, delegatingPk, capsule, cfrags, hex(in, "ciphertext")));
      }
      default:
        return null;
    }
  }

  private static PublicKey optionalKey(Map<String, Object> in, String key) {
    Object v = in.get(key);
    return v == null ? null : PublicKey.fromBytes(Hex.decode(Json.asString(v, key)));
  }

  private static DecryptionException.Reason decryptionReason(String kind) {
    if (kind.contains("CiphertextTooShort")) {
      return DecryptionException.Reason.CIPHERTEXT_TOO_SHORT;
    } else if (kind.contains("AuthenticationFailed")) {
      return DecryptionException.Reason.AUTHENTICATION_FAILED;
    } else if (kind.contains("NoCapsuleFrags")) {
      return DecryptionException.Reason.NO_CAPSULE_FRAGS;
    } else if (kind.contains("MismatchedCapsuleFrags")) {
      return DecryptionException.Reason.MISMATCHED_CAPSULE_FRAGS;
    } else if (kind.contains("RepeatingCapsuleFrags")) {
      return DecryptionException.Reason.REPEATING_CAPSULE_FRAGS;
    } else if (kind.contains("ValidationFailed")) {
      return DecryptionException.Reason.VALIDATION_FAILED;
    }
    return null;
  }

  private static VerificationFailure verificationReason(String kind) {
    if (kind.contains("IncorrectCommitment")) {
      return VerificationFailure.INCORRECT_COMMITMENT;
    } else if (kind.contains("DelegatingKeyNotProvided")) {
      return VerificationFailure.DELEGATING_KEY_NOT_PROVIDED;
    } else if (kind.contains("ReceivingKeyNotProvided")) {
      return VerificationFailure.RECEIVING_KEY_NOT_PROVIDED;
    } else if (kind.contains("IncorrectKeyFragSignature")) {
      return VerificationFailure.INCORRECT_KEY_FRAG_SIGNATURE;
    } else if (kind.contains("IncorrectSignature")) {
      return VerificationFailure.INCORRECT_SIGNATURE;
    } else if (kind.contains("IncorrectReencryption")) {
      return VerificationFailure.INCORRECT_REENCRYPTION;
    }
    return null;
  }
}
