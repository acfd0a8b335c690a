// Durations such as "90s", "5m", "1h" or "0" (off), in milliseconds.
import { UsageError } from './errors';

export function parseDuration(value: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!m)
    throw new UsageError(`Option ${option} must be a duration such as 90s, 5m or 1h (0 turns it off), got "${value}".`);
  const n = Number(m[1]);
  const unit = m[2] ?? (n === 0 ? 's' : '');
  if (!unit) throw new UsageError(`Option ${option} needs a unit: ${value}s, ${value}m or ${value}h.`);
  const scale = { ms: 1, s: 1000, m: 60000, h: 3600000 }[unit as 'ms' | 's' | 'm' | 'h'];
  return n * scale;
}
