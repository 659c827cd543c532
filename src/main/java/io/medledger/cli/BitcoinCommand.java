package io.medledger.cli;

import io.medledger.crypto.Digest;
import io.medledger.merkle.BitcoinMerkle;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code medledger bitcoin merkle-root}: the Merkle root of the txids on stdin (one per line, in
 * the byte order block explorers display), printed in that same display order.
 */
final class BitcoinCommand implements Command {
  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0 || !args[0].equals("merkle-root")) {
      throw new CliException("usage: medledger bitcoin merkle-root  (txids in display order as hex lines on stdin)");
    }
    Args.parse(args, 1).rejectUnknown();
    List<Digest> txids = new ArrayList<>();
    for (byte[] displayOrder : HexLines.read(in, Digest.LENGTH)) {
      txids.add(Digest.of(displayOrder).reversed());
    }
    if (txids.isEmpty()) {
      throw new CliException("no txids on stdin: a block has at least one transaction");
    }
    out.println(BitcoinMerkle.root(txids).reversed().toHex());
    return 0;
  }
}
