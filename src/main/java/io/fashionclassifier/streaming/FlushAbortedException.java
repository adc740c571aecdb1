package io.fashionclassifier.streaming;

/**
 * A batch could not be forwarded whole. Never dead-lettered: the processing exception handler fails the task, so
 * the transaction with the outputs already forwarded is aborted and the batch is classified again from the last
 * commit.
 */
final class FlushAbortedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  FlushAbortedException(String message, Throwable cause) {
    super(message, cause);
  }
}
