package io.medledger.pre;

import io.medledger.codec.Hex;
import io.medledger.testing.BitFlips;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every byte of each Umbral encoding is bound: a flipped bit, a truncation or an appended byte is
 * refused by the decoder, refused by the verifier, or verifies to exactly the genuine meaning.
 */
@Timeout(120)
class UmbralBindingTest {
  private final SecretKey alice = SecretKey.random();
  private final SecretKey bob = SecretKey.random();
  private final Signer signer = new Signer(SecretKey.random());
  private final byte[] plaintext = "a record key".getBytes(StandardCharsets.UTF_8);
  private final EncryptionResult enc = Umbral.encrypt(alice.publicKey(), plaintext);

  private VerifiedKeyFrag kfrag() {
    return Umbral.generateKFrags(alice, bob.publicKey(), signer, 1, 1, true, true).get(0);
  }

  @Test
  void capsulesWithTheirCiphertext() {
    byte[] capsule = enc.capsule().toBytes();
    byte[] both = java.util.Arrays.copyOf(capsule, capsule.length + enc.ciphertext().length);
    System.arraycopy(enc.ciphertext(), 0, both, capsule.length, enc.ciphertext().length);
    BitFlips.assertEveryByteIsBound("capsule and ciphertext", both, b -> {
      Capsule c = Capsule.fromBytes(java.util.Arrays.copyOf(b, Math.min(b.length, Capsule.LENGTH)));
      byte[] ct = java.util.Arrays.copyOfRange(b, Capsule.LENGTH, Math.max(b.length, Capsule.LENGTH));
      try {
        return List.of(c, Hex.encode(Umbral.decryptOriginal(alice, c, ct)));
      } catch (DecryptionException e) {
        return null;
      }
    });
  }

  @Test
  void publicKeysAndSignatures() {
    byte[] message = "signed".getBytes(StandardCharsets.UTF_8);
    Signature sig = signer.sign(message);
    BitFlips.assertEveryByteIsBound("verifying key", signer.verifyingKey().toBytes(), b -> {
      PublicKey k = PublicKey.fromBytes(b);
      return sig.verify(k, message) ? k : null;
    });
    BitFlips.assertEveryByteIsBound("signature", sig.toBytes(), b -> {
      Signature s = Signature.fromBytes(b);
      return s.verify(signer.verifyingKey(), message) ? s : null;
    });
    BitFlips.assertEveryByteIsBound("DER signature", sig.toDerBytes(), b -> {
      Signature s = Signature.fromDerBytes(b);
      return s.verify(signer.verifyingKey(), message) ? s : null;
    });
  }

  @Test
  void keyFragmentsThatSignBothKeysAsAProxyVerifiesThem() {
    // the signature for the receiver was not checked by the proxy: damaged, it still verified
    BitFlips.assertEveryByteIsBound("key fragment", kfrag().toBytes(), 4, b -> {
      Verification<VerifiedKeyFrag> v = KeyFrag.fromBytes(b).verify(signer.verifyingKey(), alice.publicKey(),
          bob.publicKey());
      return v.verified().map(x -> Hex.encode(x.toBytes())).orElse(null);
    });
  }

  @Test
  void capsuleFragmentsAsAReceiverVerifiesThem() {
    VerifiedCapsuleFrag cfrag = Umbral.reencrypt(enc.capsule(), kfrag());
    BitFlips.assertEveryByteIsBound("capsule fragment", cfrag.toBytes(), 4, b -> {
      Verification<VerifiedCapsuleFrag> v = CapsuleFrag.fromBytes(b).verify(enc.capsule(), signer.verifyingKey(),
          alice.publicKey(), bob.publicKey());
      return v.verified().map(x -> Hex.encode(x.toBytes())).orElse(null);
    });
  }

  @Test
  void recordEnvelopesAsTheOwnerOpensThem() {
    byte[] envelope = RecordEnvelope.seal(alice.publicKey(), plaintext);
    BitFlips.assertEveryByteIsBound("record envelope", envelope, 2, b -> {
      try {
        return Hex.encode(RecordEnvelope.openAsOwner(alice, b));
      } catch (EnvelopeException e) {
        return null;
      }
    });
  }
}
