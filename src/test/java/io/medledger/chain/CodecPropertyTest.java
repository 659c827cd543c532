package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Property tests of the canonical codec over seeded random values of every type: round trips in
 * binary and JSON, every truncation and any trailing byte rejected, and random mutations that
 * either decode to a value re-encoding to exactly the mutated bytes (canonical form) or fail with
 * {@link MalformedEncodingException}, never anything else.
 */
class CodecPropertyTest {
  static final int SEEDS = Integer.getInteger("medledger.test.seeds", 200);
  static final Digest CHAIN = ChainFixture.digest("codec-chain");

  @Test
  void everyEntryKindRoundTripsInBinaryAndJson() {
    for (int seed = 0; seed < SEEDS; seed++) {
      RandomEntries g = new RandomEntries(seed, CHAIN);
      for (EntryKind k : EntryKind.values()) {
        Entry e = g.entry(k);
        byte[] enc = e.encode();
        Entry back = Entry.decode(enc);
        assertEquals(e, back);
        assertArrayEquals(enc, back.encode());
        assertEquals(e.id(), back.id());
        Entry fromJson = Entry.fromJson(e.toJson());
        assertEquals(e, fromJson, e.toJson());
        assertEquals(e.toJson(), fromJson.toJson());
      }
    }
  }

  @Test
  void blocksHeadersCertificatesRoundTrip() {
    for (int seed = 0; seed < Math.max(20, SEEDS / 5); seed++) {
      RandomEntries g = new RandomEntries(1000 + seed, CHAIN);
      Block b = g.block(12);
      assertEquals(b, Block.decode(b.encode()));
      assertArrayEquals(b.encode(), Block.decode(b.encode()).encode());
      assertEquals(b.entries().stream().map(Entry::id).toList(), Block.decode(b.encode()).entryIds(),
          "entry ids without encoding again");
      assertEquals(b, Block.fromJson(b.toJson()));
      BlockHeader h = b.header();
      assertEquals(h, BlockHeader.decode(h.encode()));
      assertEquals(h, BlockHeader.fromJson(h.toJson()));
      Certificate c = g.certificate();
      assertEquals(c, Certificate.decode(c.encode()));
      assertEquals(c, Certificate.fromJson(c.toJson()));
      assertEquals(c.encode().length, c.encodedSize(), "a certified block's encoder is sized by it");
      SubBlockHeader sb = new SubBlockHeader(g.digest(), 5 + seed, seed % 2 == 0 ? SubBlockHeader.NONE : g.digest(),
          seed % 2 == 0 ? -1 : seed % 5, 3, seed % 2 == 0 ? 3 : 9, g.digest());
      assertEquals(sb, SubBlockHeader.decode(sb.encode()));
      assertEquals(sb, SubBlockHeader.fromJson(sb.toJson()));
      truncationsAndTrailing(sb.encode(), SubBlockHeader::decode);
      CertifiedBlock cb = new CertifiedBlock(b, c);
      assertEquals(cb.block(), CertifiedBlock.decode(cb.encode()).block());
      assertArrayEquals(cb.encode(), CertifiedBlock.decode(cb.encode()).encode());
      assertArrayEquals(cb.encode(), CertifiedBlock.fromJson(cb.toJson()).encode());
      assertEquals(1 + b.encodedSize() + c.encodedSize(), cb.encode().length);
    }
  }

  static void truncationsAndTrailing(byte[] enc, Function<byte[], ?> decode) {
    for (int n = 0; n < enc.length; n++) {
      byte[] cut = Arrays.copyOf(enc, n);
      assertThrows(MalformedEncodingException.class, () -> decode.apply(cut), "prefix of " + n + " bytes");
    }
    for (int extra = 1; extra <= 3; extra++) {
      byte[] longer = Arrays.copyOf(enc, enc.length + extra);
      assertThrows(MalformedEncodingException.class, () -> decode.apply(longer), "trailing bytes");
    }
  }

  @Test
  void everyTruncationAndTrailingBytesAreRejected() {
    for (int seed = 0; seed < Math.max(10, SEEDS / 10); seed++) {
      RandomEntries g = new RandomEntries(2000 + seed, CHAIN);
      for (EntryKind k : EntryKind.values()) {
        truncationsAndTrailing(g.entry(k).encode(), Entry::decode);
      }
      Block b = g.block(3);
      truncationsAndTrailing(b.header().encode(), BlockHeader::decode);
      truncationsAndTrailing(new CertifiedBlock(b, g.certificate()).encode(), CertifiedBlock::decode);
    }
  }

  private static void mutate(byte[] enc, Random r, Function<byte[], ?> decode, Function<Object, byte[]> reencode) {
    for (int i = 0; i < 40; i++) {
      byte[] m = enc.clone();
      int flips = 1 + r.nextInt(3);
      for (int j = 0; j < flips; j++) {
        int pos = r.nextInt(m.length);
        if (r.nextBoolean()) {
          m[pos] ^= (byte) (1 << r.nextInt(8));
        } else {
          m[pos] = (byte) r.nextInt(256);
        }
      }
      Object v;
      try {
        v = decode.apply(m);
      } catch (MalformedEncodingException e) {
        continue;
      } catch (RuntimeException e) {
        fail("mutation raised " + e + " instead of MalformedEncodingException", e);
        return;
      }
      assertArrayEquals(m, reencode.apply(v), "decoded bytes are not canonical");
    }
  }

  @Test
  void randomMutationsOnlyEverRaiseMalformedEncodingOrDecodeCanonically() {
    for (int seed = 0; seed < SEEDS; seed++) {
      RandomEntries g = new RandomEntries(3000 + seed, CHAIN);
      Random r = new Random(seed);
      Entry e = g.entry();
      mutate(e.encode(), r, Entry::decode, v -> ((Entry) v).encode());
      if (seed % 4 == 0) {
        Block b = g.block(4);
        CertifiedBlock cb = new CertifiedBlock(b, g.certificate());
        mutate(cb.encode(), r, CertifiedBlock::decode, v -> ((CertifiedBlock) v).encode());
        mutate(b.header().encode(), r, BlockHeader::decode, v -> ((BlockHeader) v).encode());
      }
    }
  }

  @Test
  void unknownVersionsAndOversizeInputAreRejected() {
    RandomEntries g = new RandomEntries(7, CHAIN);
    byte[] e = g.entry().encode();
    e[0] = 4;
    MalformedEncodingException x = assertThrows(MalformedEncodingException.class, () -> Entry.decode(e));
    assertEquals("unknown entry version 4", x.getMessage());
    byte[] h = g.header(0).encode();
    h[0] = 9;
    assertThrows(MalformedEncodingException.class, () -> BlockHeader.decode(h));
    assertThrows(MalformedEncodingException.class, () -> Entry.decode(new byte[Limits.MAX_ENTRY_BYTES + 1]));
    assertThrows(MalformedEncodingException.class, () -> Block.decode(new byte[Limits.MAX_BLOCK_BYTES + 1]));
    assertThrows(MalformedEncodingException.class, () -> Entry.decode(null));
  }

  @Test
  void lengthPrefixesAreBoundedBeforeAllocation() {
    RandomEntries g = new RandomEntries(8, CHAIN);
    Block b = g.block(0);
    byte[] enc = b.encode();
    // the last 4 bytes are the entry count: claim 2^31-1 entries
    byte[] big = enc.clone();
    big[big.length - 4] = 0x7f;
    big[big.length - 3] = (byte) 0xff;
    big[big.length - 2] = (byte) 0xff;
    big[big.length - 1] = (byte) 0xff;
    assertThrows(MalformedEncodingException.class, () -> Block.decode(big));
    big[big.length - 4] = 0;
    big[big.length - 3] = 0;
    big[big.length - 2] = 0x10;
    assertThrows(MalformedEncodingException.class, () -> Block.decode(big));
  }

  @Test
  void jsonIsStrict() {
    RandomEntries g = new RandomEntries(9, CHAIN);
    Entry e = g.entry(EntryKind.ACCESS_REVOCATION);
    String json = e.toJson();
    assertThrows(MalformedEncodingException.class, () -> Entry.fromJson(json.replace("}]}", "}],\"extra\":1}")));
    assertThrows(MalformedEncodingException.class, () -> Entry.fromJson(json.replace("\"createdAt\"", "\"created\"")));
    String upper = json.replace(((AccessRevocation) e).grant().toHex(), ((AccessRevocation) e).grant().toHex().toUpperCase());
    assertThrows(MalformedEncodingException.class, () -> Entry.fromJson(upper));
    assertThrows(MalformedEncodingException.class, () -> Entry.fromJson(json.replace("\"version\":1", "\"version\":2")));
    assertThrows(MalformedEncodingException.class, () -> Entry.fromJson("[1,2]"));
    assertThrows(MalformedEncodingException.class, () -> Entry.fromJson("{\"version\":1"));
  }
}
