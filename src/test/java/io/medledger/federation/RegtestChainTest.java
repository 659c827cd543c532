package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.crypto.Sha256;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class RegtestChainTest {
  @Test
  void startsAtCoreRegtestGenesisAndConfirmsAboveIt() {
    RegtestChain c = new RegtestChain(new SecureRandom());
    assertEquals(BitcoinChainParams.REGTEST.genesisHash(), c.headerAt(0).orElseThrow().hash());
    RegtestChain.Confirmation one = c.confirm(new AnchorCommitment(Sha256.hash(new byte[] {1}), 1, 1, Sha256.hash(new byte[] {2})));
    assertEquals(1, one.bitcoin().height());
    assertEquals(c.headerAt(0).orElseThrow().hash(), one.header().previousBlockHash());
    assertTrue(one.header().checkProofOfWork(BitcoinChainParams.REGTEST));
  }
}
