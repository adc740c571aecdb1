package io.fashionclassifier.streaming;

/**
 * The models the micro-batchers classify with: the active one, whose verdicts are published, and optionally a
 * shadow that classifies the same batches for comparison only. Published whole, so a task never sees the active
 * model of one lineup with the shadow of another.
 *
 * @param shadow null when nothing is shadowed
 */
record ModelLineup(ServedModel active, ServedModel shadow) {

  ModelLineup {
    if (active == null) {
      throw new IllegalArgumentException("a lineup has an active model");
    }
  }
}
