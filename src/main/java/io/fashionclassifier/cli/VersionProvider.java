package io.fashionclassifier.cli;

import picocli.CommandLine;

/** Reports the jar's version from its manifest. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Main.class.getPackage().getImplementationVersion();
    return new String[] {"fashion-classifier " + (version == null ? "(development build)" : version)};
  }
}
