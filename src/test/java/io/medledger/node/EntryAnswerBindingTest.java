package io.medledger.node;

import io.medledger.chain.ChainFixture;
import io.medledger.chain.Entry;
import io.medledger.codec.Hex;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import io.medledger.testing.BitFlips;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every byte of an ENTRY answer, as {@link RemoteConnection} reads it, is bound: a mutation is
 * refused, or reads to the very same entry, endorsements included (an id covers only the content).
 */
class EntryAnswerBindingTest {
  @Test
  void everyByteOfAnEntryAnswerIsBound() {
    ChainFixture f = ChainFixture.create();
    try {
      Entry entry = f.registerClinician(f.actor("dr-a"), f.hospitalA);
      byte[] answer = new LedgerWire.Writer(ClientWire.OK).bool(true).bytes(entry.encode()).toBytes();
      BitFlips.assertEveryByteIsBound("entry answer", answer, b -> {
        if (b.length == 0 || b[0] != ClientWire.OK) {
          return null;
        }
        LedgerWire.Reader in = new LedgerWire.Reader(b, 1);
        Optional<Entry> e = RemoteConnection.readEntry(in, entry.id(), f.params.chainId());
        in.end();
        return e.map(x -> Hex.encode(x.encode())).orElse(null);
      });
    } finally {
      f.ledger.close();
    }
  }
}
