// Progress during an epoch: a cli-progress bar on a terminal, otherwise a plain line at
// most every few seconds (a log file never receives control characters).
import * as cliProgress from 'cli-progress';

export interface StepStats {
  step: number;
  steps: number;
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
}

export interface ProgressReporter {
  startEpoch(epoch: number, epochs: number, steps: number): void;
  update(s: StepStats): void;
  endEpoch(): void;
  /** A line of text that must not be mangled by the bar. */
  log(line: string): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stdout): ProgressReporter {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

class BarProgress implements ProgressReporter {
  private bar: cliProgress.SingleBar | null = null;
  constructor(private stream: NodeJS.WriteStream) {}

  startEpoch(epoch: number, epochs: number, steps: number): void {
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream,
        format: `epoch ${epoch}/${epochs} {bar} {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(steps, 0, { loss: '-', acc: '-', ips: '-' });
  }

  update(s: StepStats): void {
    if (!this.bar) return;
    this.bar.update(s.step, {
      loss: s.loss.toFixed(4),
      acc: `${(100 * s.accuracy).toFixed(2)}%`,
      ips: Math.round(s.imagesPerSecond).toLocaleString('en-US'),
    });
  }

  endEpoch(): void {
    this.bar?.stop();
    this.bar = null;
  }

  log(line: string): void {
    if (this.bar) {
      this.stream.write('\r\x1b[2K' + line + '\n');
      this.bar.render();
    } else {
      this.stream.write(line + '\n');
    }
  }
}

class LineProgress implements ProgressReporter {
  private lastPrint = 0;
  private epochLabel = '';
  private started = 0;
  constructor(
    private stream: NodeJS.WriteStream,
    private intervalMs = 5000,
  ) {}

  startEpoch(epoch: number, epochs: number, _steps: number): void {
    this.epochLabel = `epoch ${epoch}/${epochs}`;
    this.lastPrint = Date.now();
    this.started = Date.now();
  }

  update(s: StepStats): void {
    const now = Date.now();
    if (now - this.lastPrint < this.intervalMs) return;
    this.lastPrint = now;
    const elapsed = (now - this.started) / 1000;
    const eta = s.step > 0 ? (elapsed / s.step) * (s.steps - s.step) : NaN;
    this.stream.write(
      `${this.epochLabel} step ${s.step}/${s.steps} loss ${s.loss.toFixed(4)} acc ${(100 * s.accuracy).toFixed(2)}% ` +
        `${Math.round(s.imagesPerSecond).toLocaleString('en-US')} img/s ETA ${formatEta(eta)}\n`,
    );
  }

  endEpoch(): void {}

  log(line: string): void {
    this.stream.write(line + '\n');
  }
}
