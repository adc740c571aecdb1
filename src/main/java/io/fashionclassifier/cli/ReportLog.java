package io.fashionclassifier.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The log of a command that writes a report ({@code demo}, {@code bench}), for as long as it runs: to a file in its
 * report directory, and on the terminal only when asked. The terminal should hold the command's own lines (the live
 * line, the figures, the summary); the broker's, Kafka Streams' and the classifier's lines interleaved with them
 * read as trouble when they are routine. Other commands keep the shipped configuration, which {@link #close()}
 * restores.
 */
final class ReportLog implements AutoCloseable {

  private final Logger root;
  private final FileAppender<ILoggingEvent> file;
  private final List<Appender<ILoggingEvent>> detached;

  private ReportLog(Logger root, FileAppender<ILoggingEvent> file, List<Appender<ILoggingEvent>> detached) {
    this.root = root;
    this.file = file;
    this.detached = detached;
  }

  /**
   * Adds {@code reportDir/fileName} to the root logger's appenders and, unless {@code verbose}, takes the console
   * ones off until {@link #close()}.
   */
  static ReportLog toReport(Path reportDir, String fileName, boolean verbose) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    try {
      Files.createDirectories(reportDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the report directory " + reportDir, e);
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> file = new FileAppender<>();
    file.setContext(context);
    file.setName("report-log");
    file.setFile(reportDir.resolve(fileName).toString());
    file.setAppend(false);
    file.setEncoder(encoder);
    file.start();
    root.addAppender(file);

    List<Appender<ILoggingEvent>> detached = new ArrayList<>();
    if (!verbose) {
      for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
        Appender<ILoggingEvent> appender = it.next();
        if (appender instanceof ConsoleAppender) {
          detached.add(appender);
        }
      }
      detached.forEach(root::detachAppender);
    }
    return new ReportLog(root, file, detached);
  }

  @Override
  public void close() {
    detached.forEach(root::addAppender);
    root.detachAppender(file);
    file.stop();
  }
}
