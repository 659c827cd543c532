package io.medledger.pre;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.medledger.testing.DecoderFuzzing;
import io.medledger.testing.DecoderSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Fuzzes the Umbral MessagePack types (capsules, capsule and key fragments, encrypted key
 * fragments, public keys, signatures raw and DER), record envelope headers and the BBS98 types.
 * See {@link DecoderFuzzing}.
 */
class UmbralFuzzTest extends DecoderFuzzing {
  @FuzzTest
  void fuzz(byte[] data) {
    fuzzOne(data);
  }

  /** Reads a header that must be the whole input (the payload would follow it in a stream). */
  static EnvelopeHeader header(byte[] b) {
    ByteArrayInputStream in = new ByteArrayInputStream(b);
    try {
      EnvelopeHeader h = EnvelopeHeader.read(in);
      return in.available() == 0 ? h : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected List<DecoderSpec<?>> specs() {
    return List.of(
        DecoderSpec.canonical("capsule", Capsule::fromBytes, Capsule::toBytes),
        DecoderSpec.canonical("capsule-frag", CapsuleFrag::fromBytes, CapsuleFrag::toBytes),
        DecoderSpec.canonical("key-frag", KeyFrag::fromBytes, KeyFrag::toBytes),
        DecoderSpec.canonical("encrypted-key-frag", EncryptedKeyFrag::fromBytes, EncryptedKeyFrag::toBytes),
        DecoderSpec.canonical("public-key", PublicKey::fromBytes, PublicKey::toBytes),
        DecoderSpec.canonical("signature", Signature::fromBytes, Signature::toBytes),
        DecoderSpec.canonical("signature-der", Signature::fromDerBytes, Signature::toDerBytes),
        DecoderSpec.canonical("envelope-header", UmbralFuzzTest::header, EnvelopeHeader::toBytes),
        DecoderSpec.canonical("bbs98-ciphertext", Bbs98Ciphertext::fromBytes, Bbs98Ciphertext::toBytes).byEncoding(),
        DecoderSpec.canonical("bbs98-public-key", Bbs98PublicKey::fromBytes, Bbs98PublicKey::toBytes));
  }

  @Override
  protected List<Seed> seeds() {
    Random r = new Random(13);
    EntropySource rng = r::nextBytes;
    SecretKey alice = SecretKey.random(rng);
    SecretKey bob = SecretKey.random(rng);
    Signer signer = new Signer(SecretKey.random(rng));
    EncryptionResult enc = Umbral.encrypt(alice.publicKey(), "a record".getBytes(StandardCharsets.UTF_8), rng);
    List<VerifiedKeyFrag> kfrags = Umbral.generateKFrags(alice, bob.publicKey(), signer, 2, 3, true, false, rng);
    VerifiedCapsuleFrag cfrag = Umbral.reencrypt(enc.capsule(), kfrags.get(0), rng);
    EncryptionResult wrapped = Umbral.encrypt(bob.publicKey(), kfrags.get(1).toBytes(), rng);
    SecureRandom sr = new SecureRandom() {
      private static final long serialVersionUID = 1L;

      @Override
      public void nextBytes(byte[] bytes) {
        r.nextBytes(bytes);
      }
    };
    Bbs98PrivateKey b98 = Bbs98PrivateKey.generate(sr);
    List<Seed> out = new ArrayList<>();
    out.add(new Seed(0, "a", enc.capsule()));
    out.add(new Seed(1, "a", cfrag.unverify()));
    out.add(new Seed(2, "a", kfrags.get(2).unverify()));
    out.add(new Seed(3, "a", new EncryptedKeyFrag("proxy-1", wrapped.capsule(), wrapped.ciphertext())));
    out.add(new Seed(4, "a", alice.publicKey()));
    Signature sig = signer.sign("message".getBytes(StandardCharsets.UTF_8), rng);
    out.add(new Seed(5, "a", sig));
    out.add(new Seed(6, "a", sig));
    out.add(new Seed(7, "a", new EnvelopeHeader(enc.capsule(), new byte[60])));
    out.add(new Seed(8, "a", Bbs98.encrypt(b98.publicKey(), new byte[5], new byte[0], sr)));
    out.add(new Seed(9, "a", b98.publicKey()));
    return out;
  }
}
