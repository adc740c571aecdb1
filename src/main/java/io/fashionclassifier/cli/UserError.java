package io.fashionclassifier.cli;

/**
 * A failure the user can fix: its message is one line saying what is wrong and how to fix it, printed
 * without a stack trace.
 */
public final class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
