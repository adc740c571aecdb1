package io.fashionclassifier.cli;

import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.model.ServingReport;
import io.fashionclassifier.model.ServingReports;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * What the running classifiers made of a bundle a pointer now names, from their serving reports
 * ({@link ServingReports}): each has taken it up, refused it (with its reason), or not answered yet. Waits, up to
 * a bound, until every classifier that reports has answered; classifiers that do not report (none running, or on
 * a read-only volume) leave the outcome unconfirmed.
 */
final class TakeUp {

  private static final Duration LOOK_EVERY = Duration.ofMillis(200);

  /** One classifier's answer. */
  record Answer(String instance, String refusal, boolean retrying) {
    boolean takenUp() {
      return refusal == null && !retrying;
    }
  }

  /**
   * The outcome: the classifiers that answered and those that had not by the deadline (both empty when none
   * reports at all).
   */
  record Outcome(List<Answer> answers, List<String> silent) {
    boolean noClassifiers() {
      return answers.isEmpty() && silent.isEmpty();
    }

    List<Answer> refused() {
      return answers.stream().filter(answer -> answer.refusal() != null && !answer.retrying()).toList();
    }

    long takenUp() {
      return answers.stream().filter(Answer::takenUp).count();
    }
  }

  private TakeUp() {}

  /**
   * Waits up to {@code wait} for every running classifier to take up bundle {@code name} at {@code version} in
   * role {@code role} ({@code active} or {@code shadow}), or to refuse it.
   */
  static Outcome await(ModelRepository repository, String role, String name, String version, Duration wait) {
    ServingReports reports = ServingReports.of(repository);
    Instant deadline = Instant.now().plus(wait);
    while (true) {
      List<Answer> answers = new ArrayList<>();
      List<String> silent = new ArrayList<>();
      for (ServingReport report : reports.live(Instant.now())) {
        Answer answer = answer(report, role, name, version);
        if (answer == null || answer.retrying()) {
          silent.add(report.instance() + (answer == null ? "" : " (retrying: " + answer.refusal() + ")"));
        } else {
          answers.add(answer);
        }
      }
      if (silent.isEmpty() || !Instant.now().isBefore(deadline)) {
        return new Outcome(answers, silent);
      }
      LockSupport.parkNanos(LOOK_EVERY.toNanos());
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        return new Outcome(answers, silent);
      }
    }
  }

  /** What {@code report} says of the bundle, or null while it has not seen the pointer name it yet. */
  private static Answer answer(ServingReport report, String role, String name, String version) {
    boolean active = ModelRepository.ACTIVE.equals(role);
    String pointed = active ? report.activePointer() : report.shadowPointer();
    if (!name.equals(pointed)) {
      return null;
    }
    ServingReport.Served served = active ? report.active() : report.shadow();
    if (served != null && name.equals(served.bundle()) && version.equals(served.version())) {
      return new Answer(report.instance(), null, false);
    }
    ServingReport.Refusal refusal = report.refusal(role);
    if (refusal != null && name.equals(refusal.bundle())) {
      return new Answer(report.instance(), refusal.reason(), refusal.retrying());
    }
    return null;
  }
}
