package io.fashionclassifier.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the command line, with what it printed on each stream and its exit code. */
record CommandRun(int exit, String out, String err) {

  static CommandRun execute(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new CommandRun(exit, out.toString(), err.toString());
  }
}
