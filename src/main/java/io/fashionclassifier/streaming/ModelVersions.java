package io.fashionclassifier.streaming;

/**
 * The model versions in service.
 *
 * @param active the version whose verdicts are published (null for a model given to the app, known only to its
 *     classifiers)
 * @param shadow the version classifying the same batches for comparison, or null
 */
public record ModelVersions(String active, String shadow) {}
