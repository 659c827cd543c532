package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.internal.umbral.CurvePoint;
import io.medledger.internal.umbral.CurveScalar;
import io.medledger.internal.umbral.Dem;
import io.medledger.internal.umbral.HChaCha20;
import io.medledger.internal.umbral.ReplayEntropy;
import io.medledger.testing.SharedVectors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replays the reference's recorded random draws case by case (independently of the vector
 * checker) and compares every intermediate value the vectors list under {@code derived}.
 */
class UmbralReferenceReplayTest {
  private static final JsonNode ROOT = SharedVectors.json(UmbralVectorsTest.VECTORS);

  private static byte[] hex(JsonNode n) {
    return Hex.decode(n.asText());
  }

  private static ReplayEntropy replay(JsonNode draws) {
    List<byte[]> d = new ArrayList<>();
    draws.forEach(x -> d.add(hex(x)));
    return new ReplayEntropy(d);
  }

  @Test
  void parameterPointUIsTheReferenceOne() {
    assertEquals(ROOT.get("parameters").get("u_compressed").asText(), Hex.encode(CurvePoint.U.toBytes()));
  }

  @Test
  void recordedDrawsReproduceEveryReferenceObject() throws Exception {
    int kfragsChecked = 0;
    int cfragsChecked = 0;
    for (JsonNode c : ROOT.get("cases")) {
      String id = c.get("id").asText();
      JsonNode keys = c.get("keys");
      SecretKey delegating = SecretKey.fromSecretBytes(hex(keys.get("delegating_sk")));
      SecretKey receiving = SecretKey.fromSecretBytes(hex(keys.get("receiving_sk")));
      Signer signer = new Signer(SecretKey.fromSecretBytes(hex(keys.get("signer_sk"))));
      byte[] plaintext = hex(c.get("plaintext"));

      ReplayEntropy encRng = replay(c.get("rng").get("encrypt"));
      EncryptionResult enc = Umbral.encrypt(delegating.publicKey(), plaintext, encRng);
      assertTrue(encRng.exhausted(), id);
      assertEquals(c.get("capsule").asText(), Hex.encode(enc.capsule().toBytes()), id);
      assertEquals(c.get("capsule_simple").asText(), Hex.encode(enc.capsule().toBytesSimple()), id);
      assertEquals(c.get("ciphertext").asText(), Hex.encode(enc.ciphertext()), id);
      Capsule capsule = enc.capsule();

      JsonNode derived = c.get("derived");
      assertEquals(derived.get("capsule_hash_h").asText(), Hex.encode(capsule.hash().toBytes()), id);
      byte[] seed = hex(derived.get("dem_key_seed"));
      byte[] demKey = Dem.key(seed);
      assertEquals(derived.get("dem_key").asText(), Hex.encode(demKey), id);
      byte[] nonce = hex(derived.get("dem_nonce"));
      assertEquals(derived.get("dem_xchacha_subkey").asText(), Hex.encode(HChaCha20.subkey(demKey, nonce, 0)), id);
      assertEquals(derived.get("dem_ietf_nonce12").asText(), "00000000" + Hex.encode(nonce).substring(32), id);
      assertEquals(derived.get("dem_key_seed").asText(),
          Hex.encode(CurvePoint.of(capsule.e().ec().add(capsule.v().ec())
              .multiply(delegating.scalar().toBigInteger())).toBytes()), id);

      for (JsonNode set : c.get("kfrag_sets")) {
        int t = set.get("threshold").asInt();
        ReplayEntropy kRng = replay(set.get("rng").get("generate_kfrags"));
        List<VerifiedKeyFrag> kfrags = Umbral.generateKFrags(delegating, receiving.publicKey(), signer, t,
            set.get("shares").asInt(), set.get("sign_delegating_key").asBoolean(),
            set.get("sign_receiving_key").asBoolean(), kRng);
        assertTrue(kRng.exhausted(), id);
        JsonNode sd = set.get("derived");
        CurvePoint precursor = kfrags.get(0).kfrag().precursor();
        assertEquals(sd.get("precursor").asText(), precursor.toString(), id);
        byte[] dh = CurvePoint.of(precursor.mul(receiving.scalar())).toBytes();
        assertEquals(sd.get("dh_point").asText(), Hex.encode(dh), id);
        byte[] b = receiving.publicKey().toBytes();
        assertEquals(sd.get("d").asText(), Hex.encode(CurveScalar.hash(Umbral.DST_SHARED_SECRET,
            precursor.toBytes(), b, dh).toBytes()), id);
        for (int i = 0; i < kfrags.size(); i++) {
          KeyFrag k = kfrags.get(i).kfrag();
          assertEquals(set.get("kfrags").get(i).asText(), Hex.encode(k.toBytes()), id + " kfrag " + i);
          assertEquals(sd.get("share_indices_x").get(i).asText(), Hex.encode(CurveScalar.hash(
              Umbral.DST_POLYNOMIAL_ARG, precursor.toBytes(), b, dh, k.id()).toBytes()), id);
          assertEquals(sd.get("kfrag_signature_message_for_receiver").get(i).asText(), Hex.encode(
              KeyFrag.signedMessage(k.id(), k.commitment(), precursor, delegating.publicKey(), receiving.publicKey())));
          kfragsChecked++;

          ReplayEntropy rRng = replay(set.get("rng").get("reencrypt").get(i));
          VerifiedCapsuleFrag cfrag = Umbral.reencrypt(capsule, kfrags.get(i), rRng);
          assertTrue(rRng.exhausted(), id);
          assertEquals(set.get("cfrags").get(i).asText(), Hex.encode(cfrag.toBytes()), id + " cfrag " + i);
          assertEquals(set.get("cfrags_simple").get(i).asText(), Hex.encode(cfrag.toBytesSimple()), id);
          cfragsChecked++;
        }
        JsonNode combine = sd.get("combine_first_subset");
        List<VerifiedCapsuleFrag> subset = new ArrayList<>();
        for (JsonNode ix : combine.get("cfrag_indices")) {
          subset.add(VerifiedCapsuleFrag.fromTrustedBytes(hex(set.get("cfrags").get(ix.asInt()))));
        }
        assertArrayEquals(plaintext, Umbral.decryptReencrypted(receiving, delegating.publicKey(), capsule, subset,
            enc.ciphertext()), id);
        assertEquals(combine.get("key_seed").asText(), derived.get("dem_key_seed").asText(), id);
      }
      for (JsonNode s : c.get("signatures")) {
        ReplayEntropy sRng = replay(s.get("rng"));
        Signature sig = signer.sign(hex(s.get("message")), sRng);
        assertTrue(sRng.exhausted(), id);
        assertEquals(s.get("signature").asText(), Hex.encode(sig.toBytes()), id);
        assertEquals(s.get("signature_der").asText(), Hex.encode(sig.toDerBytes()), id);
      }
    }
    assertEquals(6, ROOT.get("cases").size());
    assertTrue(kfragsChecked >= 40 && cfragsChecked == kfragsChecked, kfragsChecked + " kfrags");
  }

  @Test
  void secretKeyFactoryMatchesTheReference() {
    for (JsonNode e : ROOT.get("secret_key_factory")) {
      SecretKeyFactory f = SecretKeyFactory.fromSecretSeed(hex(e.get("seed")));
      byte[] label = hex(e.get("label"));
      assertEquals(e.get("make_key").asText(), Hex.encode(f.makeKey(label).exportSecretBytes()));
      assertEquals(e.get("make_key_public").asText(), f.makeKey(label).publicKey().toHex());
      assertEquals(e.get("make_secret").asText(), Hex.encode(f.exportSecretMaterial(label)));
      assertEquals(e.get("derived").get("make_factory_seed").asText(),
          Hex.encode(f.makeFactory(label).exportSecretSeed()));
      assertEquals(e.get("make_factory_then_make_key_same_label").asText(),
          Hex.encode(f.makeFactory(label).makeKey(label).exportSecretBytes()));
    }
  }
}
