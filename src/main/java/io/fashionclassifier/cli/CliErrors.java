package io.fashionclassifier.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an expected failure ({@link UserError}: bad path, missing model, corrupt file) into one line on stderr
 * and exit code 2; anything else is a bug and keeps its stack trace.
 */
final class CliErrors implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cli, ParseResult parseResult)
      throws Exception {
    Throwable cause = e;
    while (cause != null && !(cause instanceof UserError)) {
      cause = cause.getCause();
    }
    if (cause == null) {
      throw e;
    }
    cli.getErr().println("error: " + cause.getMessage());
    cli.getErr().flush();
    return 2;
  }
}
