package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.bitcoin.Base58;
import io.medledger.internal.bitcoin.Bech32;
import io.medledger.testing.SharedVectors;
import java.security.SecureRandom;
import java.util.Random;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;

/** Base58Check, Bech32/Bech32m addresses and WIF keys. */
class AddressTest {

  @Test
  void coreBase58Vectors() {
    JsonNode root = SharedVectors.json("vectors/bitcoin/base58_encode_decode.json");
    int n = 0;
    for (JsonNode c : root) {
      byte[] bytes = Hex.decode(c.get(0).asText());
      assertEquals(c.get(1).asText(), Base58.encode(bytes));
      assertArrayEquals(bytes, Base58.decode(c.get(1).asText()));
      n++;
    }
    assertEquals(21, n);
    assertThrows(MalformedEncodingException.class, () -> Base58.decode("0OIl"));
    assertThrows(MalformedEncodingException.class, () -> Base58.decode("1".repeat(1100)));
  }

  // Valid segwit addresses and their scriptPubKeys: BIP 350, "Test vectors for v0-v16 native
  // segregated witness addresses" (which supersedes BIP 173's list for versions 1 and up).
  private static final String[][] BIP350_VALID = {
    {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
    {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"BC1SW50QGDZ25J", "6002751e"},
    {"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
    {"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
        "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
    {"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
        "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
  };

  // Invalid segwit addresses: BIP 350, same section (reasons as the BIP gives them).
  private static final String[] BIP350_INVALID = {
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", // invalid human-readable part
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", // Bech32 instead of Bech32m
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", // Bech32 instead of Bech32m
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", // Bech32 instead of Bech32m
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", // Bech32m instead of Bech32
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", // Bech32m instead of Bech32
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", // invalid character in checksum
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", // invalid witness version
    "bc1pw5dgrnzv", // invalid program length (1 byte)
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav", // program length 41
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", // invalid program length for witness version 0
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", // mixed case
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", // zero padding of more than 4 bits
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", // non-zero padding in 8-to-5
    "bc1gmk9yu", // empty data section
  };

  // Valid checksummed strings: BIP 173 (Bech32) and BIP 350 (Bech32m) test vectors.
  private static final String[] BECH32_VALID = {
    "A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "?1ezyfcl",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
  };
  private static final String[] BECH32M_VALID = {
    "A1LQFN3A", "a1lqfn3a", "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx", "?1v759aa",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
  };

  @Test
  void bip350Addresses() {
    for (String[] v : BIP350_VALID) {
      Address a = Address.parse(v[0]);
      assertEquals(v[1], a.scriptPubKey().toHex(), v[0]);
      assertEquals(v[0].toLowerCase(), a.toString());
      assertEquals(v[0].toLowerCase().startsWith("bc") ? Network.MAINNET : Network.TESTNET, a.network());
      assertEquals(a, Address.fromScript(a.scriptPubKey(), a.network()));
    }
    for (String bad : BIP350_INVALID) {
      assertThrows(MalformedEncodingException.class, () -> Address.parse(bad), bad);
    }
    for (String s : BECH32_VALID) {
      assertEquals(Bech32.Encoding.BECH32, Bech32.decode(s).encoding(), s);
    }
    for (String s : BECH32M_VALID) {
      assertEquals(Bech32.Encoding.BECH32M, Bech32.decode(s).encoding(), s);
    }
    assertEquals(ScriptType.P2WPKH, Address.parse(BIP350_VALID[0][0]).type());
    assertEquals(ScriptType.P2WSH, Address.parse(BIP350_VALID[1][0]).type());
    assertEquals(ScriptType.WITNESS_UNKNOWN, Address.parse(BIP350_VALID[2][0]).type());
    assertEquals(ScriptType.P2TR, Address.parse(BIP350_VALID[7][0]).type());
  }

  @Test
  void base58AddressesAndNetworks() {
    // HASH160 of the compressed generator point (private key 1).
    byte[] h = Hex.decode("751e76e8199196d454941c45d1b3a323f1433bd6");
    Address main = Address.fromScript(Script.p2pkh(h), Network.MAINNET);
    assertEquals("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", main.toString());
    assertEquals(main, Address.parse("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"));
    Address test = Address.fromScript(Script.p2pkh(h), Network.TESTNET);
    assertTrue(test.toString().startsWith("m") || test.toString().startsWith("n"));
    assertTrue(Address.parse(test.toString()).isFor(Network.REGTEST));
    assertFalse(Address.parse(test.toString()).isFor(Network.MAINNET));
    Address p2sh = Address.fromScript(Script.p2sh(h), Network.MAINNET);
    assertTrue(p2sh.toString().startsWith("3"));
    assertEquals(ScriptType.P2SH, Address.parse(p2sh.toString()).type());
    Address regtest = Address.fromScript(Script.p2wpkh(h), Network.REGTEST);
    assertTrue(regtest.toString().startsWith("bcrt1q"));
    assertEquals(Network.REGTEST, Address.parse(regtest.toString()).network());
    assertFalse(Address.parse(regtest.toString()).isFor(Network.TESTNET));
    assertThrows(MalformedEncodingException.class, () -> Address.parse(regtest.toString(), Network.MAINNET));
    // A single changed character breaks the checksum.
    String s = main.toString();
    String broken = s.substring(0, 5) + (s.charAt(5) == 'a' ? 'b' : 'a') + s.substring(6);
    assertThrows(MalformedEncodingException.class, () -> Address.parse(broken));
    assertThrows(IllegalArgumentException.class, () -> Address.fromScript(Script.opReturn(new byte[3]), Network.MAINNET));
  }

  @Test
  void addressesAgreeWithBitcoinj() {
    Random r = new Random(7);
    Network[] ours = {Network.MAINNET, Network.TESTNET, Network.REGTEST};
    BitcoinNetwork[] theirs = {BitcoinNetwork.MAINNET, BitcoinNetwork.TESTNET, BitcoinNetwork.REGTEST};
    for (int i = 0; i < 200; i++) {
      int k = r.nextInt(3);
      byte[] h20 = new byte[20];
      byte[] h32 = new byte[32];
      r.nextBytes(h20);
      r.nextBytes(h32);
      assertEquals(org.bitcoinj.base.LegacyAddress.fromPubKeyHash(theirs[k], h20).toString(),
          Address.fromScript(Script.p2pkh(h20), ours[k]).toString());
      assertEquals(org.bitcoinj.base.LegacyAddress.fromScriptHash(theirs[k], h20).toString(),
          Address.fromScript(Script.p2sh(h20), ours[k]).toString());
      assertEquals(org.bitcoinj.base.SegwitAddress.fromProgram(theirs[k], 0, h20).toString(),
          Address.fromScript(Script.p2wpkh(h20), ours[k]).toString());
      assertEquals(org.bitcoinj.base.SegwitAddress.fromProgram(theirs[k], 1, h32).toString(),
          Address.fromScript(Script.p2tr(h32), ours[k]).toString());
    }
  }

  @Test
  void wifKeys() {
    BitcoinPrivateKey c = BitcoinPrivateKey.fromWif("KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn".toCharArray());
    assertTrue(c.isCompressed());
    assertEquals(Network.MAINNET, c.network());
    assertEquals("00".repeat(31) + "01", Hex.encode(c.exportSecretBytes()));
    assertEquals("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", c.publicKey().toHex());
    BitcoinPrivateKey u = BitcoinPrivateKey.fromWif("5HpHagT65TZzG1PH3CSu63k8DbpvD8s5ip4nEB3kEsreAnchuDf".toCharArray());
    assertFalse(u.isCompressed());
    assertEquals(65, u.publicKey().toBytes().length);
    SecureRandom rnd = new SecureRandom();
    for (Network n : Network.values()) {
      BitcoinPrivateKey k = BitcoinPrivateKey.generate(n, rnd);
      BitcoinPrivateKey back = BitcoinPrivateKey.fromWif(k.exportSecretWif());
      assertArrayEquals(k.exportSecretBytes(), back.exportSecretBytes());
      assertTrue(back.network().isCompatibleWith(n));
      BitcoinNetwork bn = n == Network.MAINNET ? BitcoinNetwork.MAINNET : BitcoinNetwork.TESTNET;
      org.bitcoinj.crypto.ECKey bk = org.bitcoinj.crypto.DumpedPrivateKey.fromBase58(bn, new String(k.exportSecretWif())).getKey();
      assertArrayEquals(k.publicKey().toBytes(), bk.getPubKey());
    }
    assertThrows(MalformedEncodingException.class,
        () -> BitcoinPrivateKey.fromWif("KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWo".toCharArray()));
    // A valid Base58Check payload of the wrong shape (an address) is not a key.
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class,
        () -> BitcoinPrivateKey.fromWif("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH".toCharArray()));
    assertFalse(e.getMessage().contains("751e76"));
  }
}
