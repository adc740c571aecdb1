package io.fashionclassifier.training;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What one epoch did. The last epoch of a time-limited run may be partial: {@code images} says how much of it ran.
 *
 * @param epoch 1-based epoch number
 * @param images training images seen in this epoch
 * @param trainLoss mean training loss (with dropout and augmentation on)
 * @param trainAccuracy training accuracy over the epoch
 * @param validationLoss loss on the held-out validation images
 * @param validationAccuracy accuracy on the held-out validation images
 * @param learningRate learning rate at the end of the epoch
 * @param seconds wall time of the epoch's training steps
 * @param imagesPerSecond training throughput
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EpochStats(
    int epoch,
    int images,
    double trainLoss,
    double trainAccuracy,
    double validationLoss,
    double validationAccuracy,
    double learningRate,
    double seconds,
    double imagesPerSecond) {}
