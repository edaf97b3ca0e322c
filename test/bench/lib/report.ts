/** What a benchmark hands back to the runner, and how the runner prints it. */

/** A measured value against a target. A MISS is reported, never turned into a failing exit code. */
export interface BenchCheck {
  name: string;
  measured: string;
  target: string;
  pass: boolean;
}

export interface BenchTable {
  title: string;
  columns: string[];
  rows: string[][];
  /** Per column: 'l' or 'r'; by default numeric-looking cells are right-aligned. */
  align?: ('l' | 'r')[];
}

export interface BenchResult {
  /** Shown as the section heading. */
  name: string;
  tables: BenchTable[];
  checks: BenchCheck[];
  /** How the numbers were measured, caveats. */
  notes: string[];
}

const NUMERIC_CELL = /^[-+]?[\d,.]+( ?[a-zA-Z%/]+)?$|^[-+]?[\d.]+x$/;

/** A plain-text table; a column whose cells all look numeric is right-aligned unless `align` says otherwise. */
export function formatTable(table: BenchTable): string {
  const all = [table.columns, ...table.rows];
  const widths = table.columns.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const right = table.columns.map((_, c) =>
    table.align?.[c]
      ? table.align[c] === 'r'
      : table.rows.length > 0 && table.rows.every((row) => NUMERIC_CELL.test(row[c] ?? '')),
  );
  const line = (row: string[]) =>
    row
      .map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [table.title, line(table.columns), rule, ...table.rows.map(line)].join('\n');
}

export function formatChecks(checks: BenchCheck[]): string {
  return formatTable({
    title: 'Targets',
    columns: ['', 'target', 'measured', 'result'],
    align: ['l', 'l', 'l', 'l'],
    rows: checks.map((c) => [c.name, c.target, c.measured, c.pass ? 'PASS' : 'MISS']),
  });
}

export function formatResult(result: BenchResult): string {
  const parts = [`== ${result.name} ==`];
  for (const table of result.tables) parts.push(formatTable(table));
  if (result.checks.length > 0) parts.push(formatChecks(result.checks));
  if (result.notes.length > 0) parts.push(['Notes', ...result.notes.map((n) => `  - ${n}`)].join('\n'));
  return parts.join('\n\n');
}

/** 12345.6 -> "12,346"; 0.8123 -> "0.81" (2 significant decimals below 10). */
export function fmt(value: number, decimals?: number): string {
  if (!Number.isFinite(value)) return String(value);
  const d = decimals ?? (Math.abs(value) >= 100 ? 0 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function ms(value: number): string {
  return `${fmt(value, value >= 100 ? 0 : value >= 10 ? 1 : 2)} ms`;
}

export function mb(bytes: number): string {
  return `${fmt(bytes / 1024 / 1024, 1)} MB`;
}
