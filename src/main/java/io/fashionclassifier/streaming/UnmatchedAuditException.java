package io.fashionclassifier.streaming;

/**
 * The reason of an audit's dead letter when no verdict of its item came within the audit retention: the item is
 * unknown, or its verdict had expired. Its class name is the dead letter's {@code __streams.errors.exception}.
 */
public final class UnmatchedAuditException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnmatchedAuditException(String message) {
    super(message);
  }
}
