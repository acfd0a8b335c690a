// `cnn bench --profile`: where a training step's time goes, per layer, as a table sorted by
// the network's order, with each layer's share of the step so the expensive ones stand out,
// and the algorithm each convolution runs (forward/backward-data/backward-weights), as the
// network chose it when it was built.
import type { NetworkProfile } from '../native';

export function formatProfile(p: NetworkProfile, stepMs: number): string {
  const steps = Math.max(1, p.steps);
  const rows: string[][] = [['layer', 'kind', 'algorithm', 'forward ms', 'backward ms', 'share']];
  let accounted = 0;
  const row = (name: string, kind: string, fwd: number, bwd: number, algorithm = ''): void => {
    accounted += fwd + bwd;
    rows.push([name, kind, algorithm, fwd.toFixed(3), bwd.toFixed(3), `${(((fwd + bwd) / stepMs) * 100).toFixed(1)}%`]);
  };
  for (const l of p.layers) {
    // A relu fused into its producer does no work of its own: its time is in that layer's row.
    if (l.fusedInto !== undefined) rows.push([l.name, l.kind, '', `in ${l.fusedInto}`, `in ${l.fusedInto}`, '']);
    else row(l.name, l.kind, l.forwardMs / steps, l.backwardMs / steps, l.algorithm);
  }
  row('(loss)', 'softmax-xent', p.lossMs / steps, 0);
  row('(update)', 'sgd', 0, p.updateMs / steps);
  const other = stepMs - accounted;
  rows.push(['(other)', 'outside layers', '', '', '', `${((other / stepMs) * 100).toFixed(1)}%`]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const leftAligned = (c: number) => c < 3;
  const lines = rows.map((r) =>
    r
      .map((cell, c) => (leftAligned(c) ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd(),
  );
  return `per step (mean of ${p.steps} steps, ${stepMs.toFixed(2)} ms/step):\n` + lines.join('\n') + '\n';
}
