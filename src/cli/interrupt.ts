// Ctrl-C and SIGTERM during training: the first asks the loop to finish its step, write a
// checkpoint and stop (exit 130 or 143); a second one exits at once without touching the
// last good checkpoint (writes are atomic, so a half-written file never replaces it).

export class InterruptGuard {
  requested = false;
  exitCode = 130;
  private readonly onSigint = () => this.handle('SIGINT', 130);
  private readonly onSigterm = () => this.handle('SIGTERM', 143);

  constructor(private readonly checkpoint: string) {
    process.on('SIGINT', this.onSigint);
    process.on('SIGTERM', this.onSigterm);
  }

  private handle(signal: string, code: number): void {
    if (this.requested) {
      process.stderr.write(`\n${signal} again: stopping now; ${this.checkpoint} keeps the last completed checkpoint.\n`);
      process.exit(code);
    }
    this.requested = true;
    this.exitCode = code;
    process.stderr.write(`\n${signal}: finishing the current step and saving ${this.checkpoint} (press Ctrl-C again to stop at once)\n`);
  }

  dispose(): void {
    process.off('SIGINT', this.onSigint);
    process.off('SIGTERM', this.onSigterm);
  }
}
