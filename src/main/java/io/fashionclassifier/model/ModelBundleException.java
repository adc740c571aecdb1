package io.fashionclassifier.model;

/** A model bundle cannot be used: missing directory, missing or corrupt manifest or parameters (one-line message). */
public final class ModelBundleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelBundleException(String message) {
    super(message);
  }

  public ModelBundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
