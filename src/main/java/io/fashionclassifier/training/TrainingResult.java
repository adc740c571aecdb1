package io.fashionclassifier.training;

import io.fashionclassifier.model.Manifest;
import java.nio.file.Path;
import java.util.List;

/**
 * Outcome of {@link BundleTrainer#train}: where the bundle is and how good it is.
 *
 * @param bundleDirectory directory holding the bundle, manifest, report and plots
 * @param manifest the bundle's manifest (with its test accuracy)
 * @param testAccuracy accuracy on the 10,000 test images, through the bundle's {@code BatchClassifier}
 * @param bestValidationAccuracy validation accuracy of the kept parameters
 * @param epochs per-epoch statistics
 * @param trainSeconds wall time of the whole run, final evaluation and report included
 */
public record TrainingResult(
    Path bundleDirectory,
    Manifest manifest,
    double testAccuracy,
    double bestValidationAccuracy,
    List<EpochStats> epochs,
    double trainSeconds) {}
