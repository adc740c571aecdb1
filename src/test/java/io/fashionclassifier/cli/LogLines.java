package io.fashionclassifier.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs one INFO line and one WARN line with an exception, through the application's logging configuration. */
public final class LogLines {

  private static final Logger log = LoggerFactory.getLogger("io.fashionclassifier.streaming.ClassifierApp");

  private LogLines() {}

  public static void main(String[] args) {
    log.info("classifying {} -> {}", "inventory-images", "classified-items");
    log.warn("a \"quoted\" warning", new IllegalStateException("the cause"));
  }
}
