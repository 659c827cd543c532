package io.medledger.anchor.bitcoin;

import io.medledger.MedLedgerException;
import java.util.Objects;

/**
 * A failed call to Bitcoin Core's JSON-RPC interface: either the node answered with an error
 * object ({@link Kind#RPC_ERROR}, with its {@link #code()} and {@link #rpcMessage()}), or the call
 * did not get a usable answer (bad credentials, timeout, no connection, an HTTP error, a response
 * that is not the expected JSON). Messages never contain credentials.
 */
public final class BitcoinRpcException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** {@code RPC_INVALID_ADDRESS_OR_KEY}: e.g. "No such mempool or blockchain transaction", "Block not found". */
  public static final int RPC_INVALID_ADDRESS_OR_KEY = -5;
  /** {@code RPC_INVALID_PARAMETER}: e.g. "Block height out of range". */
  public static final int RPC_INVALID_PARAMETER = -8;
  /** {@code RPC_VERIFY_ERROR}: general error during transaction submission. */
  public static final int RPC_VERIFY_ERROR = -25;
  /** {@code RPC_VERIFY_REJECTED}: the transaction was rejected by network rules. */
  public static final int RPC_VERIFY_REJECTED = -26;
  /** {@code RPC_VERIFY_ALREADY_IN_CHAIN}: the transaction is already in the chain. */
  public static final int RPC_VERIFY_ALREADY_IN_CHAIN = -27;
  /** {@code RPC_IN_WARMUP}: the node is still starting. */
  public static final int RPC_IN_WARMUP = -28;
  /** JSON-RPC "method not found". */
  public static final int RPC_METHOD_NOT_FOUND = -32601;

  /** What went wrong. */
  public enum Kind {
    /** The node returned a JSON-RPC error object. */
    RPC_ERROR,
    /** HTTP 401: the user name, password or cookie was not accepted. */
    UNAUTHORIZED,
    /** No response within the request timeout, or no connection within the connect timeout. */
    TIMEOUT,
    /** The node could not be reached. */
    CONNECTION,
    /** An HTTP status other than success, without a JSON-RPC error object. */
    HTTP_ERROR,
    /** The response was not the JSON the method returns. */
    MALFORMED_RESPONSE
  }

  /** Most characters of a node's error message kept in {@link #rpcMessage()}. */
  public static final int MAX_RPC_MESSAGE = 500;

  private final Kind kind;
  private final String method;
  private final int code;
  private final String rpcMessage;
  private final int httpStatus;

  BitcoinRpcException(Kind kind, String method, int code, String rpcMessage, int httpStatus, String message,
      Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind);
    this.method = method;
    this.code = code;
    this.rpcMessage = rpcMessage;
    this.httpStatus = httpStatus;
  }

  static BitcoinRpcException rpcError(String method, int code, String rpcMessage, int httpStatus) {
    String m = oneLine(rpcMessage);
    return new BitcoinRpcException(Kind.RPC_ERROR, method, code, m, httpStatus,
        method + " failed with RPC error " + code + ": " + m, null);
  }

  /**
   * The node's message, at most {@link #MAX_RPC_MESSAGE} characters (then marked as cut), with
   * each control character (a line break among them) replaced by {@code ?}.
   */
  private static String oneLine(String message) {
    boolean cut = message.length() > MAX_RPC_MESSAGE;
    StringBuilder b = new StringBuilder(message.substring(0, Math.min(message.length(), MAX_RPC_MESSAGE)));
    for (int i = 0; i < b.length(); i++) {
      if (Character.isISOControl(b.charAt(i))) {
        b.setCharAt(i, '?');
      }
    }
    return cut ? b.append("... (").append(message.length() - MAX_RPC_MESSAGE).append(" more characters)").toString()
        : b.toString();
  }

  static BitcoinRpcException transport(Kind kind, String method, int httpStatus, String message, Throwable cause) {
    return new BitcoinRpcException(kind, method, 0, "", httpStatus, method + ": " + message, cause);
  }

  /** The kind of failure. */
  public Kind kind() {
    return kind;
  }

  /** The RPC method called. */
  public String method() {
    return method;
  }

  /** The JSON-RPC error code, or 0 if the failure is not an RPC error object. */
  public int code() {
    return code;
  }

  /**
   * The JSON-RPC error message (cut to {@link #MAX_RPC_MESSAGE} characters, control characters
   * replaced by {@code ?}), or empty if the failure is not an RPC error object.
   */
  public String rpcMessage() {
    return rpcMessage;
  }

  /** The HTTP status, or 0 if no response arrived. */
  public int httpStatus() {
    return httpStatus;
  }
}
