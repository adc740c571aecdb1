package io.fashionclassifier.streaming;

/** An inventory image that decoded but cannot be classified (wrong size, missing pixels); it goes to the DLQ. */
public final class InvalidImageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidImageException(String message) {
    super(message);
  }

  public InvalidImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
