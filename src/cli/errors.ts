// Errors the CLI reports to the user as a message and an exit code, without a stack trace.
// Exit codes: 1 a failure while running (bad file, training diverged), 2 a usage error
// (unknown option, bad value), 130/143 interrupted by SIGINT/SIGTERM.

export class UsageError extends Error {
  readonly exitCode = 2;
}

export class RunError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}
