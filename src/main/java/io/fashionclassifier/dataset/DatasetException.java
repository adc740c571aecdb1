package io.fashionclassifier.dataset;

/** The dataset is missing, truncated or corrupt; the message is one line naming the file and the problem. */
public final class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
