// Commands are data until printed (issue 25). Hostile names are planted in every scenario (the same
// name everywhere it appears, so the same fixes come out carrying it); every command the tool would
// print is run by bash, as a user pasting it would, against a stub kubectl that records its argv.
// The argv must be exactly the one the remedy meant, and nothing else may run.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { remediesOf, type Finding } from '../src/findings/finding.js';
import { command, isNote, shellLine, unsafeWords, type CommandLine } from '../src/findings/command.js';
import { hasControlCharacters } from '../src/text/controls.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { UserFacingError } from '../src/errors.js';
import { forbiddenLine, forbiddenUser } from '../src/diagnose/explain/rbac-gaps.js';
import { loadScenarios, type Scenario } from './support/scenarios.js';
import { runScenarioOn } from './support/run-scenario.js';
import { taintScenario } from './support/taint.js';

const SANDBOX = mkdtempSync(join(tmpdir(), 'ambient-doctor-shell-'));
const MARKER = join(SANDBOX, 'PWNED');
const RECORD = join(SANDBOX, 'argv');
// A stub for each program a printed command may start: it records its name and argv, NUL-separated, in a
// file of its own (the two sides of a pipe run at once: one shared file would interleave their writes).
const STUBS = join(SANDBOX, 'bin');
spawnSync('mkdir', ['-p', STUBS]);
for (const program of ['kubectl']) {
  const stub = join(STUBS, program);
  writeFileSync(stub, `#!/bin/bash\n{ printf '%s\\0' "${program}" "$@"; printf '\\036\\0'; } > "$RECORD.$$"\n`);
  chmodSync(stub, 0o755);
}

/** Shell-special text of every kind, in the names a user (or an attacker) may choose. */
const HOSTILE = [
  `'$(touch ${MARKER})'`,
  `";touch ${MARKER};"`,
  `\`touch ${MARKER}\``,
  `$(touch${'${IFS}'}${MARKER})`,
  `|touch ${MARKER}&`,
  `!*?{a,b}~#\\`,
];

interface Ran {
  argvs: string[][];
}

/** Runs one printed line in bash as a paste would, in a sandbox; returns every stub's argv. */
function paste(line: string): Ran {
  const records = () => readdirSync(SANDBOX).filter((f) => f.startsWith('argv.'));
  for (const f of records()) rmSync(join(SANDBOX, f), { force: true });
  const r = spawnSync('bash', ['-c', line], {
    cwd: SANDBOX,
    env: { PATH: `${STUBS}:/usr/bin:/bin`, RECORD, HOME: SANDBOX },
    encoding: 'utf8',
    timeout: 10_000,
  });
  expect(r.error, line).toBeUndefined();
  const text = records()
    .map((f) => readFileSync(join(SANDBOX, f), 'utf8'))
    .join('');
  const argvs = text
    .split('\u001e\0')
    .filter((chunk) => chunk !== '')
    .map((chunk) => chunk.split('\0').slice(0, -1));
  return { argvs };
}

/** What the remedy meant to run: each program's argv (a pipe runs two). */
function meant(c: CommandLine): string[][] {
  if (isNote(c)) return [];
  return [c.argv, ...(c.pipeTo ? [c.pipeTo] : [])];
}

const sorted = (argvs: string[][]) => [...argvs].sort((a, b) => a.join('\0').localeCompare(b.join('\0')));

function commandsOf(findings: Finding[]): CommandLine[] {
  return findings.flatMap((f) => remediesOf(f).flatMap((r) => r.commands ?? []));
}

function runTainted(s: Scenario): Finding[] {
  try {
    const report = runScenarioOn(s, buildSnapshot(s.objects, s.input));
    return report.findings as Finding[];
  } catch (err) {
    if (err instanceof UserFacingError) return [];
    throw err;
  }
}

const scenarios = loadScenarios().filter((s) => !s.expect.error);

/** Pastes every command of the findings; returns the failures and the codes whose commands carried `mark`. */
function pasteAll(label: string, findings: Finding[], mark: string, codes: Set<string>): string[] {
  const failures: string[] = [];
  for (const f of findings) {
    for (const c of commandsOf([f])) {
      const line = shellLine(c);
      if (line === undefined) {
        failures.push(`${label} ${f.code}: no line for ${JSON.stringify(c)} (${unsafeWords(c).join()})`);
        continue;
      }
      if (isNote(c)) continue;
      const ran = paste(line);
      if (JSON.stringify(sorted(ran.argvs)) !== JSON.stringify(sorted(meant(c))))
        failures.push(`${label} ${f.code}: ${line}\n  ran ${JSON.stringify(ran.argvs)}`);
      if (existsSync(MARKER)) {
        failures.push(`${label} ${f.code}: ${line} ran the planted command`);
        rmSync(MARKER);
      }
      if (line.includes(mark)) codes.add(f.code);
    }
    // check: the explain command that shows one broken connection.
    const explainLine = (f as { explain?: string }).explain;
    if (explainLine) {
      const [argv, ...more] = paste(explainLine).argvs;
      if (more.length || argv?.length !== 5 || argv.slice(0, 3).join(' ') !== 'kubectl ambient-doctor explain')
        failures.push(`${label} ${f.code}: ${explainLine}\n  ran ${JSON.stringify([argv, ...more])}`);
      codes.add('check-explain');
    }
  }
  return failures;
}

describe('every printed command, pasted into bash', () => {
  it('any argv without control characters comes back exactly (shellLine is the only way to print one)', () => {
    const word = fc.string({ unit: 'binary', maxLength: 12 }).filter((w) => !hasControlCharacters(w));
    const special = fc.constantFrom(...HOSTILE, '', '-n', '--', '~', '#', "'", '"', '\\', '$', '!', '*', '=');
    fc.assert(
      fc.property(fc.array(fc.oneof(word, special), { minLength: 1, maxLength: 6 }), (words) => {
        const c = command(['kubectl', ...words]);
        const ran = paste(shellLine(c)!);
        expect(ran.argvs).toEqual([c.argv]);
        expect(existsSync(MARKER)).toBe(false);
      }),
      { numRuns: 150, seed: 25 },
    );
  });

  it('every command of every scenario, and with hostile names planted in the objects, runs as meant', () => {
    const failures: string[] = [];
    const plain = new Set<string>();
    const hostileCodes = new Set<string>();
    scenarios.forEach((s, i) => {
      failures.push(...pasteAll(s.name, runTainted(s), 'kubectl', plain));
      const hostile = HOSTILE[i % HOSTILE.length];
      // Names the arguments use stay valid (the CLI checks them); every other chosen name is hostile.
      const tainted = taintScenario(s, (name) => `${name}${hostile}`, true);
      failures.push(...pasteAll(`${s.name} (hostile)`, runTainted(tainted), hostile, hostileCodes));
    });
    console.log(`commands pasted for ${plain.size} codes; with hostile values for ${[...hostileCodes].join(', ')}`);
    expect(failures).toEqual([]);
    expect(plain.size).toBeGreaterThan(8);
    // The Gateway's allowedRoutes selector labels reach `kubectl label` and `kubectl patch` (AD806).
    expect([...hostileCodes]).toContain('AD806');
    expect([...plain]).toContain('check-explain');
  });

  it('the refused-read line and AD902 quote a hostile user name from the 403 message', () => {
    for (const hostile of HOSTILE) {
      const user = `alice${hostile}`;
      const message = `namespaces is forbidden: User "${user}" cannot list resource "namespaces"`;
      const gaps = [{ verb: 'list', resource: 'namespaces', namespace: `ns${hostile}`, message }];
      const line = forbiddenLine(gaps as never);
      // The user as the tool reads it from the message (a quote ends it there).
      const read = forbiddenUser(gaps as never)!;
      const grant = line.slice(line.indexOf('with: kubectl ambient-doctor rbac') + 'with: '.length);
      const ran = paste(grant);
      expect(sorted(ran.argvs), grant).toEqual(
        sorted([
          ['kubectl', 'ambient-doctor', 'rbac', '--user', read],
          ['kubectl', 'apply', '-f', '-'],
        ]),
      );
      expect(existsSync(MARKER)).toBe(false);
    }
  });

  it('a word with a control character is never printed as a command; the manifest is shown instead', () => {
    const s = scenarios.find((x) => x.name === 'wp-36-attachment-selector-not-matching')!;
    const tainted = taintScenario(s, (name) => `${name}\nx\u001b[2J`, true);
    const decisive = runTainted(tainted).find((f) => f.code === 'AD806')!;
    const alt = decisive.fixes![0];
    expect(alt.commands.length).toBeGreaterThan(0);
    for (const line of alt.commands) {
      expect(line.startsWith('# not printed as a command'), line).toBe(true);
      expect(line).not.toMatch(/[\n\u001b]/);
    }
    expect(alt.manifests).toContain('kind: Namespace');
    expect(alt.manifests).toContain('\\e[2J');
  });
});
