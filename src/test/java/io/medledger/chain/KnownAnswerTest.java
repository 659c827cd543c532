package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.ByteString;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fixed known answers for what is signed and hashed: the signing message (domain tag, chain id,
 * content), entry ids, the full encoding and its Merkle leaf, the patient-heads tree and the
 * sub-block hashes and leaves. The expected values were computed independently of this code,
 * with Python's {@code hashlib} and {@code cryptography} (Ed25519) from the byte layouts in
 * {@code docs/model.md}; the script is {@code src/test/pit/kat.py}.
 */
class KnownAnswerTest {
  /** RFC 8032 section 7.1, test 1 secret key. */
  static final Ed25519PrivateKey RFC8032_KEY = Ed25519PrivateKey.fromSeed(
      Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  static final long CREATED = 1_767_225_600_000L;
  static final ChainParameters KAT_CHAIN = ChainParameters.defaults("kat");

  static final String CHAIN_ID = "d42c653c5f41bf6ee1b2dd7a340e2b64874c51f20a4d5fc16a6a55cfaca5442e";
  static final String CONTENT =
      "0104d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a0000019b76daa800";
  static final String ENTRY_ID = "a6e2583f3dadeb9307f92b88624d22d5505b510f2d8a82635dc9648d8f1a7eca";
  static final String SIGNING_MESSAGE = "6d65646c65646765722f656e7472792d7369676e61747572652f763100"
      + CHAIN_ID + CONTENT;
  static final String SIGNATURE = "00cca43897a1e9cec235b49bae708bf30b65a94cfa613271281f9ed7c8105eca"
      + "82baec5d0aa3b3e70de58546150dd69f66b999794235eb673d119cf9d5ecc109";
  static final String ENCODED = CONTENT + "00000001" + "00000064"
      + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" + "00000040" + SIGNATURE;
  static final String LEAF = "ec0d1e49e210a6a0e5990b9cc0b5d187b21debcb988ddbb9b9678892010186b9";

  private static PatientRegistration unsigned() {
    return new PatientRegistration(RFC8032_KEY.publicKey(), CREATED, List.of());
  }

  private static PatientRegistration signed() {
    return Entry.sign(unsigned(), KAT_CHAIN.chainId(), RFC8032_KEY);
  }

  @Test
  void chainIdIsTheTaggedHashOfTheName() {
    assertEquals(CHAIN_ID, KAT_CHAIN.chainId().toHex());
  }

  @Test
  void contentEntryIdAndSigningMessageAreExact() {
    PatientRegistration p = unsigned();
    assertEquals(CONTENT, Hex.encode(p.contentBytes()));
    assertEquals(ENTRY_ID, p.id().toHex());
    assertEquals(SIGNING_MESSAGE, Hex.encode(p.signingMessage(KAT_CHAIN.chainId())));
    assertEquals(SIGNING_MESSAGE, Hex.encode(EntryCodec.signingMessage(KAT_CHAIN.chainId(), p.contentBytes())));
    // the signature covers exactly that message: it verifies over the independent bytes
    assertTrue(RFC8032_KEY.publicKey().verify(Hex.decode(SIGNING_MESSAGE), Hex.decode(SIGNATURE)));
  }

  @Test
  void signedEncodingLeafAndSignatureAreExact() {
    PatientRegistration p = signed();
    assertEquals(SIGNATURE, Hex.encode(p.endorsements().get(0).signature().toByteArray()));
    assertEquals(ENCODED, Hex.encode(p.encode()));
    assertEquals(LEAF, p.leafHash().toHex());
    assertEquals(ENTRY_ID, p.id().toHex(), "signatures are not part of the id");
    assertEquals(p, Entry.decode(Hex.decode(ENCODED)));
    EncodedEntry e = EncodedEntry.of(p);
    assertEquals(SIGNING_MESSAGE, Hex.encode(e.signingMessage(KAT_CHAIN.chainId())));
    assertTrue(new BlockProcessor(KAT_CHAIN).signaturesValid(e));
  }

  @Test
  void aSameLengthEditOfTheContentBreaksTheSignature() {
    byte[] enc = Hex.decode(ENCODED);
    for (int i : new int[] {2, 20, 33, 41}) {
      byte[] edited = enc.clone();
      edited[i] ^= 1;
      Entry e;
      try {
        e = Entry.decode(edited);
      } catch (MalformedEncodingException notAKeyAnyMore) {
        continue;
      }
      assertFalse(new BlockProcessor(KAT_CHAIN).signaturesValid(EncodedEntry.of(e)), "byte " + i);
    }
    // the same content signed for another chain does not verify on this one
    PatientRegistration other = Entry.sign(unsigned(), ChainParameters.defaults("other").chainId(), RFC8032_KEY);
    assertFalse(new BlockProcessor(KAT_CHAIN).signaturesValid(EncodedEntry.of(other)));
    assertFalse(new BlockProcessor(KAT_CHAIN).signaturesValid(EncodedEntry.of(unsigned())));
  }

  @Test
  void decodingRefusesTrailingBytesAndOtherVersions() {
    byte[] enc = Hex.decode(ENCODED);
    byte[] trailing = java.util.Arrays.copyOf(enc, enc.length + 1);
    assertThrows(MalformedEncodingException.class, () -> Entry.decode(trailing));
    assertThrows(MalformedEncodingException.class, () -> EntryCodec.readEncoded(trailing));
    for (int v : new int[] {0, 2, 3, 4, 255}) {
      byte[] other = enc.clone();
      other[0] = (byte) v;
      // version 2 exists for records with a de-identified copy only (issue 13); this is a registration
      // and version 3 for key publications with a research key only
      String want = v == 2 ? "entry version 2 is for records only"
          : v == 3 ? "entry version 3 is for key publications only" : "unknown entry version " + v;
      MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> Entry.decode(other));
      assertTrue(e.getMessage().contains(want), e.getMessage());
      e = assertThrows(MalformedEncodingException.class, () -> EntryCodec.readEncoded(other));
      assertTrue(e.getMessage().contains(want), e.getMessage());
    }
    EncodedEntry ok = EntryCodec.readEncoded(enc);
    assertEquals(ENTRY_ID, ok.id().toHex());
    assertEquals(LEAF, ok.leafHash().toHex());
    String json = signed().toJson().replace("\"version\":1", "\"version\":2");
    assertThrows(MalformedEncodingException.class, () -> Entry.fromJson(json));
  }

  @Test
  void leafHashUsesTheRfc9162LeafPrefix() {
    byte[] data = "abc".getBytes(StandardCharsets.US_ASCII);
    assertEquals("716374297c9f6f6a02d6c91df1cf72d46216005a4ac69da5d63dc8c0563f47a3",
        Sha256.hashPrefixed((byte) 0x5a, data).toHex());
    assertEquals(Sha256.hash(new byte[] {0}, data), EntryCodec.leafHash(data));
  }

  @Test
  void aMedicalRecordEncodesEveryFieldInOrder() {
    java.util.function.Function<String, Digest> h = x -> Sha256.hash(x.getBytes(StandardCharsets.US_ASCII));
    MedicalRecord r = new MedicalRecord(io.medledger.access.ParticipantId.fromDigest(h.apply("patient-1")),
        io.medledger.access.ParticipantId.fromDigest(h.apply("author-1")),
        java.util.Optional.of(io.medledger.access.ParticipantId.fromDigest(h.apply("inst-1"))), "Observation",
        h.apply("payload"), 1234, List.of(io.medledger.access.ParticipantId.fromDigest(h.apply("node-1")),
            io.medledger.access.ParticipantId.fromDigest(h.apply("node-2"))), ByteString.of(new byte[] {1, 2, 3}),
        CREATED, java.util.Optional.of(h.apply("earlier")), List.of());
    String content = "0100cb1ac7aefbcbd74882a4d5f4f99da0a63ae94801d8dd27b0a9bb149fe6b6f274dde7ad1ce4c8f8f787819c683196"
        + "7eec3edb9700272119807f62fbe5d9fecfb50181bf91245ce284f94340671d7a16608f13c03018243300c00e5b4832c16bdfe6000000"
        + "0b4f62736572766174696f6e239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e500000000000004d2000000"
        + "0235971be6e9bb024a895582fe0e42e04848a86da550aaef0fccbfba86f99f617d1779f59f4df251f6b81aeb08fb52a5d84ad4eef833c7"
        + "fdf0bc576cd1aab11d24000000030102030000019b76daa800012a51d3547c23a8de50f3e23285a0df356627ef64c300087d3b27173f08"
        + "ded2a0";
    assertEquals(content, Hex.encode(r.contentBytes()));
    assertEquals("42d281041b37a2c5917ed0a323acd3e199ed1cc69bbb70d7fbc41d974c299ead", r.id().toHex());
    // no endorsements: the encoding is the content and an empty list
    assertEquals(r, Entry.decode(Hex.decode(content + "00000000")));
    assertEquals(r.storageNodes(), ((MedicalRecord) Entry.decode(Hex.decode(content + "00000000"))).storageNodes());
  }

  @Test
  void aDeidentifiedRecordIsVersionTwoAndEndsWithItsCopy() {
    java.util.function.Function<String, Digest> h = x -> Sha256.hash(x.getBytes(StandardCharsets.US_ASCII));
    io.medledger.access.ParticipantId patient = io.medledger.access.ParticipantId.fromDigest(h.apply("patient-1"));
    // written by the patient: no institution
    MedicalRecord plain = new MedicalRecord(patient, patient, java.util.Optional.empty(),
        "Observation", h.apply("payload"), 1234, List.of(), ByteString.of(new byte[] {1, 2, 3}), CREATED,
        java.util.Optional.empty(), List.of());
    MedicalRecord deid = new MedicalRecord(plain.patient(), plain.author(), plain.institution(),
        plain.resourceType(), plain.payloadDigest(), plain.payloadSize(), plain.storageNodes(),
        plain.encryptionMetadata(), plain.createdAt(), plain.amends(),
        java.util.Optional.of(new DeidentifiedCopy(h.apply("deidentified"), 77, ByteString.of(new byte[] {9, 9}))),
        List.of());
    String base = Hex.encode(plain.contentBytes());
    assertEquals("01", base.substring(0, 2));
    // version 2, the same fields, then the copy: digest, i64 size, length-prefixed metadata
    String want = "02" + base.substring(2) + h.apply("deidentified").toHex() + "000000000000004d" + "00000002" + "0909";
    assertEquals(want, Hex.encode(deid.contentBytes()));
    assertEquals(deid, Entry.decode(Hex.decode(want + "00000000")));
    assertEquals(plain, Entry.decode(Hex.decode(base + "00000000")));
    // the copy's fields are read only under version 2
    assertThrows(MalformedEncodingException.class, () -> Entry.decode(Hex.decode("01" + want.substring(2) + "00000000")));
    assertThrows(MalformedEncodingException.class, () -> Entry.decode(Hex.decode("02" + base.substring(2) + "00000000")));
  }

  @Test
  void aKeyPublicationWithAResearchKeyIsVersionThreeAndCarriesItAfterTheVerifyingKey() {
    java.util.function.Function<String, Digest> h = x -> Sha256.hash(x.getBytes(StandardCharsets.US_ASCII));
    io.medledger.pre.EntropySource en = io.medledger.pre.EntropySource.of(new java.security.SecureRandom());
    ByteString enc = ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes());
    ByteString ver = ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes());
    ByteString research = ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes());
    io.medledger.access.ParticipantId patient = io.medledger.access.ParticipantId.fromDigest(h.apply("patient-1"));
    KeyPublication old = new KeyPublication(patient, enc, ver, CREATED, List.of());
    KeyPublication withResearch = new KeyPublication(patient, enc, ver, java.util.Optional.of(research), CREATED,
        List.of());
    String base = Hex.encode(old.contentBytes());
    assertEquals("01", base.substring(0, 2));
    // version 3, the same fields with the research key (length-prefixed) between verifyingKey and createdAt
    int beforeTime = base.length() - 16;
    String want = "03" + base.substring(2, beforeTime) + "00000021" + Hex.encode(research.toByteArray())
        + base.substring(beforeTime);
    assertEquals(want, Hex.encode(withResearch.contentBytes()));
    assertEquals(withResearch, Entry.decode(Hex.decode(want + "00000000")));
    assertEquals(java.util.Optional.of(research), ((KeyPublication) Entry.fromJson(withResearch.toJson())).researchKey());
    // a publication of before research keys decodes as it did, without one
    assertEquals(old, Entry.decode(Hex.decode(base + "00000000")));
    assertEquals(java.util.Optional.empty(), old.researchPublicKey());
    // the research key is read only under version 3, and must be a curve point
    assertThrows(MalformedEncodingException.class, () -> Entry.decode(Hex.decode("01" + want.substring(2) + "00000000")));
    assertThrows(MalformedEncodingException.class, () -> Entry.decode(Hex.decode("03" + base.substring(2) + "00000000")));
    String offCurve = "03" + base.substring(2, beforeTime) + "00000021" + "05" + "ff".repeat(32)
        + base.substring(beforeTime) + "00000000";
    assertThrows(MalformedEncodingException.class, () -> Entry.decode(Hex.decode(offCurve)));
  }

  // ------------------------------------------------------------- heads tree

  static final Digest K1 = Digest.of(new byte[32]);
  static final Digest K2 = Digest.fromHex("80" + "00".repeat(31));
  static final Digest K3 = Digest.fromHex("40" + "00".repeat(31));
  static final Digest V1 = Sha256.hash("v1".getBytes(StandardCharsets.US_ASCII));
  static final Digest V2 = Sha256.hash("v2".getBytes(StandardCharsets.US_ASCII));
  static final Digest V3 = Sha256.hash("v3".getBytes(StandardCharsets.US_ASCII));

  @Test
  void headsTreeRootsAreExact() {
    assertEquals("3bfc269594ef649228e9a74bab00f042efc91d5acc6fbee31a382e80d42388fe", V1.toHex());
    assertEquals(HeadsTree.EMPTY, HeadsTree.EMPTY_TREE.root());
    HeadsTree one = HeadsTree.EMPTY_TREE.put(K1, V1);
    assertEquals("45cfe55369a012beb69571071154dea5ebc3f2c446e3098a2acbfcd717b7ee67", one.root().toHex());
    String r12 = "17ee2c389cf634f1529716b984e13a3e329a7975ffb0d5fb61dddb71c7993346";
    assertEquals(r12, one.put(K2, V2).root().toHex());
    assertEquals(r12, HeadsTree.EMPTY_TREE.putAll(List.of(K1, K2), List.of(V1, V2)).root().toHex());
    assertEquals(r12, one.putAll(List.of(K2), List.of(V2)).root().toHex());
    String r13 = "6e0bbf430b59eb5376204162209d6721ed59de3cde8e647c154327ea38c0d11f";
    assertEquals(r13, one.put(K3, V3).root().toHex());
    assertEquals(r13, HeadsTree.EMPTY_TREE.putAll(List.of(K1, K3), List.of(V1, V3)).root().toHex());
    assertEquals(r13, HeadsTree.EMPTY_TREE.putAll(List.of(K3), List.of(V3)).putAll(List.of(K1), List.of(V1))
        .root().toHex());
    String r123 = "561bbe19b3463b01603fb9ae17f0bd955344e3c533de967295f50bb63957d1d4";
    assertEquals(r123, one.put(K3, V3).put(K2, V2).root().toHex());
    assertEquals(r123, HeadsTree.EMPTY_TREE.putAll(List.of(K1, K3, K2), List.of(V1, V3, V2)).root().toHex());
    assertEquals(r123, one.put(K2, V2).putAll(List.of(K3), List.of(V3)).root().toHex());
    assertEquals(3, one.put(K3, V3).put(K2, V2).size());
    // replacing a value keeps the size and changes the root
    HeadsTree replaced = one.put(K3, V3).put(K2, V2).put(K2, V1);
    assertEquals(3, replaced.size());
    assertFalse(replaced.root().toHex().equals(r123));
    assertEquals(V1, replaced.get(K2));
    assertEquals(V3, replaced.get(K3));
    assertEquals(null, replaced.get(Digest.fromHex("c0" + "00".repeat(31))));
  }

  // ------------------------------------------------------------- sub-blocks

  @Test
  void subBlockHashAndLeafAreExact() {
    Digest key = Sha256.hash("patient".getBytes(StandardCharsets.US_ASCII));
    Digest prev = Sha256.hash("prev".getBytes(StandardCharsets.US_ASCII));
    Digest root = Sha256.hash("root".getBytes(StandardCharsets.US_ASCII));
    SubBlockHeader s = new SubBlockHeader(key, 7, prev, 3, 2, 5, root);
    assertEquals("012295ff7a8bd8b3f2884c6482146e3ded0417f72072c079fbe223e13e83a0388e000000000000000784fd9bac333ad7"
        + "9154348296204fa7f8c537a96e08983e5f73b3f5aca8e8edf700000000000000030000000200000000000000054813494d137e1631"
        + "bba301d5acab6e7bb7aa74ce1185d456565ef51d737677b2", Hex.encode(s.encode()));
    assertEquals("e9a8ffd36c0c744546b347c86476d0c364fcd8a2d2fd2953779504033c59c77b", s.hash().toHex());
    assertEquals("2671c613bab5e04a7d9a6f9a88b55f0e18b6248b7d6651d9284114590f14d7b4",
        BlockProcessor.subBlockLeaf(key, s.hash()).toHex());
  }

  @Test
  void aOneEntryBlockHasTheExpectedRoots() {
    PatientRegistration p = signed();
    EncodedEntry e = EncodedEntry.of(p);
    BlockEffects.Roots r = BlockProcessor.roots(new LedgerState(), List.of(e), 0);
    assertEquals(LEAF, r.entriesRoot().toHex());
    SubBlockHeader s = r.subBlocks().get(0);
    Digest key = p.subject().orElseThrow().digest();
    assertEquals(new SubBlockHeader(key, 0, SubBlockHeader.NONE, -1, 1, 1, Digest.fromHex(LEAF)), s);
    assertEquals(BlockProcessor.subBlockLeaf(key, s.hash()), r.subBlocksRoot());
    assertEquals(HeadsTree.EMPTY_TREE.put(key, s.hash()).root(), r.patientHeadsRoot());
  }

  // ------------------------------------------------------------- certificates (chain)

  @Test
  void chainCertificatesAreSortedWithoutRepeatsAndBounded() {
    Ed25519PrivateKey a = Ed25519PrivateKey.fromSeed(new byte[32]);
    Endorsement ea = Endorsement.sign(a, new byte[] {1});
    Endorsement eb = Endorsement.sign(RFC8032_KEY, new byte[] {1});
    List<Endorsement> sorted = ea.compareTo(eb) < 0 ? List.of(ea, eb) : List.of(eb, ea);
    assertEquals(2, new Certificate(sorted, ByteString.EMPTY).signatures().size());
    assertThrows(IllegalArgumentException.class, () -> new Certificate(List.of(ea, ea), ByteString.EMPTY));
    assertThrows(IllegalArgumentException.class,
        () -> new Certificate(List.of(sorted.get(1), sorted.get(0)), ByteString.EMPTY));
    new Certificate(List.of(), ByteString.of(new byte[Limits.MAX_CONSENSUS_DATA]));
    assertThrows(IllegalArgumentException.class,
        () -> new Certificate(List.of(), ByteString.of(new byte[Limits.MAX_CONSENSUS_DATA + 1])));
    ChainFixture f = ChainFixture.create();
    BlockHeader h = f.ledger.tip().orElseThrow();
    byte[] vote = Certificate.voteMessage(h);
    assertEquals(Hex.encode("medledger/block-vote/v1\0".getBytes(StandardCharsets.US_ASCII)) + f.params.chainId().toHex()
        + h.hash().toHex(), Hex.encode(vote));
  }
}
