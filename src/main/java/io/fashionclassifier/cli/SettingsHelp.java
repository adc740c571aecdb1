package io.fashionclassifier.cli;

import io.fashionclassifier.streaming.ClassifierConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.ListResourceBundle;

/**
 * What help texts say about the stream settings, read from {@link ClassifierConfig#DEFINITION} so that no help
 * text repeats a default or spells a variable by hand: an option that stands for a setting says
 * {@code ${bundle:fashion.batch.size}} for its default and {@code ${bundle:fashion.batch.size.env}} for its
 * environment variable.
 */
final class SettingsHelp extends ListResourceBundle {

  static final String ENV_SUFFIX = ".env";

  @Override
  protected Object[][] getContents() {
    List<Object[]> contents = new ArrayList<>();
    ClassifierConfig.defaults().forEach((key, value) -> contents.add(new Object[] {key, value}));
    ClassifierConfig.environmentNames().forEach((variable, key) ->
        contents.add(new Object[] {key + ENV_SUFFIX, variable}));
    return contents.toArray(Object[][]::new);
  }
}
