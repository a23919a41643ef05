/** Small pure helpers for the bench scripts: percentiles, means, number formatting, tables. */

/** The p-th percentile (0..100) of the values, by nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The value of a header (any case; first value when repeated), or undefined. */
export function headerValue(headers: Record<string, string | string[]>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** The duration of metric `name` in a Server-Timing header (`worker;dur=3.5, r2;dur=1`), or undefined. */
export function serverTimingMs(header: string | undefined, name = 'worker'): number | undefined {
  for (const metric of header?.split(',') ?? []) {
    const [metricName, ...params] = metric.trim().split(';');
    if (metricName !== name) continue;
    const duration = params.map((param) => /^dur=([0-9.]+)$/.exec(param.trim())).find((match) => match !== null);
    return duration ? Number(duration[1]) : undefined;
  }
  return undefined;
}

export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/** A plain-text table with right-aligned columns after the first. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** `name=used/bound, ...` -> {name: [used, bound]}. */
export function parseCachesHeader(header: string | null): Record<string, [number, number]> {
  const caches: Record<string, [number, number]> = {};
  for (const part of header?.split(',') ?? []) {
    const match = /^\s*([\w-]+)=(\d+)\/(\d+)\s*$/.exec(part);
    if (match) caches[match[1] as string] = [Number(match[2]), Number(match[3])];
  }
  return caches;
}
