package io.fashionclassifier.model;

/**
 * A model bundle cannot be used: missing directory, missing or corrupt manifest or parameters (one-line message).
 * {@link #isTransient()} tells a failure to read the files (I/O: worth trying again) from a refusal of what they
 * hold (content: the same files are refused again).
 */
public final class ModelBundleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean transientFailure;

  public ModelBundleException(String message) {
    this(message, null, false);
  }

  public ModelBundleException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private ModelBundleException(String message, Throwable cause, boolean transientFailure) {
    super(message, cause);
    this.transientFailure = transientFailure;
  }

  /** The files could not be read (an I/O error, not their content): the same files may load when tried again. */
  public static ModelBundleException unreadable(String message, Throwable cause) {
    return new ModelBundleException(message, cause, true);
  }

  /** Whether reading failed rather than the content: the same files may load when tried again. */
  public boolean isTransient() {
    return transientFailure;
  }
}
