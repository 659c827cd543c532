package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.testing.SharedVectors;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BIP 340 Schnorr signatures against every row of the BIP's test-vectors.csv. */
class SchnorrVectorsTest {
  @Test
  void everyBip340Row() {
    List<String> lines = new String(SharedVectors.bytes("vectors/crypto/bip340/test-vectors.csv"),
        StandardCharsets.US_ASCII).lines().toList();
    assertEquals("index,secret key,public key,aux_rand,message,signature,verification result,comment", lines.get(0));
    int rows = 0;
    int signed = 0;
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",", -1);
      byte[] pub = Hex.decode(f[2]);
      byte[] msg = Hex.decode(f[4]);
      byte[] sig = Hex.decode(f[5]);
      boolean expected = f[6].equals("TRUE");
      if (!f[1].isEmpty()) {
        BitcoinPrivateKey key = BitcoinPrivateKey.fromSecretBytes(Hex.decode(f[1]), Network.MAINNET, true);
        assertEquals(f[2].toLowerCase(), Hex.encode(key.publicKey().xOnly()), "public key of row " + f[0]);
        assertEquals(f[5].toLowerCase(), Hex.encode(key.signSchnorr(msg, Hex.decode(f[3]))), "signature of row " + f[0]);
        signed++;
      }
      assertEquals(expected, SchnorrSignatures.verify(pub, msg, sig), "verification of row " + f[0] + " " + f[7]);
      if (expected) {
        sig[63] ^= 1;
        assertFalse(SchnorrSignatures.verify(pub, msg, sig), "tampered signature of row " + f[0]);
      }
      rows++;
    }
    assertEquals(19, rows);
    assertEquals(8, signed);
  }

  @Test
  void malformedKeysAndSignaturesAreFalseNotExceptions() {
    assertFalse(SchnorrSignatures.verify(new byte[31], new byte[32], new byte[64]));
    assertFalse(SchnorrSignatures.verify(new byte[32], new byte[32], new byte[63]));
    assertFalse(SchnorrSignatures.verify(null, new byte[32], null));
    org.junit.jupiter.api.Assertions.assertThrows(MalformedEncodingException.class,
        () -> SchnorrSignatures.taprootOutputKey(Hex.decode("ff".repeat(32)), null));
  }
}
