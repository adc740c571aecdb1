package io.fashionclassifier.streaming;

/** An audit record that cannot be counted as it is (no value, no item id, an id too long); it goes to the DLQ. */
public final class InvalidAuditException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidAuditException(String message) {
    super(message);
  }

  public InvalidAuditException(String message, Throwable cause) {
    super(message, cause);
  }
}
