package io.fashionclassifier.cli;

import io.fashionclassifier.streaming.ClassifierConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Option;

/** Flip test-time augmentation of the classifiers a command runs itself (demo, bench): the stream's setting. */
final class FlipTtaOption {

  private static final ConfigDef.ConfigKey SETTING =
      ClassifierConfig.DEFINITION.configKeys().get(ClassifierConfig.MODEL_FLIP_TTA);

  @Option(names = "--flip-tta", paramLabel = "bundle|true|false",
      description = "Average each prediction with the mirrored image's: as the model was evaluated (bundle), or "
          + "forced on or off; off doubles the model's speed at a small cost in accuracy (setting "
          + ClassifierConfig.MODEL_FLIP_TTA + ", default ${bundle:" + ClassifierConfig.MODEL_FLIP_TTA + "}).")
  String value;

  /** The value given, or the setting's default; a {@link UserError} for one the setting refuses. */
  String value() {
    if (value == null) {
      return ClassifierConfig.defaults().get(ClassifierConfig.MODEL_FLIP_TTA);
    }
    try {
      SETTING.validator.ensureValid(SETTING.name, value);
    } catch (ConfigException e) {
      throw new UserError("--flip-tta must be bundle, true or false, not '" + value + "'");
    }
    return value;
  }
}
