// Runs a command on a pseudo-terminal (util-linux `script`), as a user at a terminal would,
// with the terminal width given (0: a pty that reports no size). stdout and stderr arrive
// together, as on a real terminal.
import { spawnSync } from 'node:child_process';

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export function onTerminal(
  argv: string[],
  opts: { columns: number; rows?: number; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string },
) {
  const size = opts.columns > 0 ? `stty cols ${opts.columns} rows ${opts.rows ?? 40}; ` : '';
  const line = `${size}${argv.map(quote).join(' ')}`;
  const r = spawnSync('script', ['-qec', line, '/dev/null'], {
    input: '',
    encoding: 'utf8',
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 30_000,
  });
  return { code: r.status, output: r.stdout, timedOut: r.error !== undefined || r.signal !== null };
}

const SHOW_CURSOR = '\u001b[?25h';

/**
 * The report without the spinner's frames: what follows the spinner's "show cursor" sequence.
 * A second "show cursor" at the very end is dropped too: Node's exit hook (restore-cursor)
 * writes it, Bun's does not, and the cursor is visible either way.
 */
export function afterSpinner(s: string): string {
  const at = s.indexOf(SHOW_CURSOR);
  const report = at < 0 ? s : s.slice(at + SHOW_CURSOR.length);
  return report.endsWith(SHOW_CURSOR) ? report.slice(0, -SHOW_CURSOR.length) : report;
}
