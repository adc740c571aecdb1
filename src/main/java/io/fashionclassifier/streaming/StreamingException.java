package io.fashionclassifier.streaming;

/** The stream classifier cannot start: brokers unreachable, topics missing, port taken. One-line message. */
public final class StreamingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StreamingException(String message) {
    super(message);
  }

  public StreamingException(String message, Throwable cause) {
    super(message, cause);
  }
}
