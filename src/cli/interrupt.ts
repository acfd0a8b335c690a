// Stopping a training run early. A StopSignal is what the training loop polls: once it is
// requested, the loop finishes its step, writes a checkpoint and returns. The library's
// run.stop() requests it directly; on the command line, InterruptGuard requests it on Ctrl-C,
// SIGTERM and SIGHUP (a closed terminal or ssh session): exit 130, 143 or 129, as a shell
// reports death by that signal. A second signal exits at once without touching the last
// good checkpoint (writes are atomic, so a half-written file never replaces it).

export class StopSignal {
  requested = false;
  /** The exit code the CLI ends with after a stop (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP). */
  exitCode = 130;

  request(exitCode = 130): void {
    this.requested = true;
    this.exitCode = exitCode;
  }
}

export class InterruptGuard {
  private readonly onSigint = () => this.handle('SIGINT', 130);
  private readonly onSigterm = () => this.handle('SIGTERM', 143);
  private readonly onSighup = () => this.handle('SIGHUP', 129);

  constructor(
    private readonly checkpoint: string,
    private readonly stop: StopSignal,
  ) {
    process.on('SIGINT', this.onSigint);
    process.on('SIGTERM', this.onSigterm);
    process.on('SIGHUP', this.onSighup);
  }

  private handle(signal: string, code: number): void {
    if (this.stop.requested) {
      process.stderr.write(
        `\n${signal} again: stopping now; ${this.checkpoint} keeps the last completed checkpoint.\n`,
      );
      process.exit(code);
    }
    this.stop.request(code);
    process.stderr.write(
      `\n${signal}: finishing the current step and saving ${this.checkpoint} (press Ctrl-C again to stop at once)\n`,
    );
  }

  dispose(): void {
    process.off('SIGINT', this.onSigint);
    process.off('SIGTERM', this.onSigterm);
    process.off('SIGHUP', this.onSighup);
  }
}
