package io.fashionclassifier.model;

import com.fasterxml.jackson.core.JacksonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The classifiers' {@link ServingReport}s in a model repository's {@code .serving/} directory, one file per
 * classifier, each replaced atomically. A classifier rewrites its report when what it serves or refuses changes,
 * and at least every {@link #HEARTBEAT}; a report older than {@link #STALE} is from a classifier that stopped
 * without removing it, and is not counted as running. This is how {@code model activate} learns what the running
 * classifiers took up; a classifier on a read-only volume cannot write one (it says so in its log), and is then
 * simply not heard from.
 */
public final class ServingReports {

  public static final String DIRECTORY = ".serving";
  /** How often a classifier rewrites its report when nothing changed. */
  public static final Duration HEARTBEAT = Duration.ofSeconds(30);
  /** How old a report may be and still count as a running classifier's: a few heartbeats. */
  public static final Duration STALE = HEARTBEAT.multipliedBy(3);
  private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final int MAX_REPORT_BYTES = 64 << 10;

  private final Path directory;

  private ServingReports(Path directory) {
    this.directory = directory;
  }

  /** The reports of the repository in {@code repository}. */
  public static ServingReports of(ModelRepository repository) {
    return new ServingReports(repository.directory().resolve(DIRECTORY));
  }

  /** Replaces {@code report}'s file; throws UncheckedIOException when the repository is not writable. */
  public void write(ServingReport report) {
    Path target = file(report.instance());
    try {
      Files.createDirectories(directory);
      Path temporary = Files.createTempFile(directory, ".report-", ".tmp");
      try {
        ModelBundle.JSON.writeValue(temporary.toFile(), report);
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new UncheckedIOException("cannot replace " + target + " atomically", e);
      } finally {
        Files.deleteIfExists(temporary);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  /** Removes {@code instance}'s report, as a classifier that stops does. */
  public void remove(String instance) {
    try {
      Files.deleteIfExists(file(instance));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + file(instance), e);
    }
  }

  /** The reports written no longer than {@link #STALE} before {@code now}, by instance; unreadable ones skipped. */
  public List<ServingReport> live(Instant now) {
    List<ServingReport> reports = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
      for (Path file : files) {
        ServingReport report = read(file);
        if (report != null && isLive(report, now)) {
          reports.add(report);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + directory, e);
    }
    reports.sort(Comparator.comparing(ServingReport::instance));
    return reports;
  }

  private static boolean isLive(ServingReport report, Instant now) {
    try {
      return report.reportedAt() != null && report.instance() != null
          && Instant.parse(report.reportedAt()).isAfter(now.minus(STALE));
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static ServingReport read(Path file) {
    try {
      return ModelBundle.JSON.readValue(BundleFiles.readBounded(file, MAX_REPORT_BYTES), ServingReport.class);
    } catch (JacksonException | ModelBundleException e) {
      return null;
    } catch (IOException e) {
      // removed or replaced while listed: the next look sees the new one
      return null;
    }
  }

  private Path file(String instance) {
    if (!INSTANCE.matcher(instance).matches()) {
      throw new IllegalArgumentException("'" + instance + "' is not an instance name");
    }
    return directory.resolve(instance + ".json");
  }
}
