// Issue 31: the JSON and YAML reports are a versioned contract. Every report carries apiVersion and kind; the
// types that make the contract (src/diagnose/report.ts and the Finding types it re-exports) are fingerprinted,
// and test/report-contract.json records the fingerprint for the current REPORT_API_VERSION. A change to the
// types fails here until it is acknowledged: bump REPORT_API_VERSION (and the README) when consumers must
// change, or record the new fingerprint under the same version when the change only adds optional fields.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORT_API_VERSION } from '../src/diagnose/report.js';

const ROOT = join(import.meta.dirname, '..');

/** The exported type declarations of a file, comments and spacing removed. */
function declarations(file: string, names?: string[]): string {
  const text = readFileSync(join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
  const out: string[] = [];
  const re = /export (?:interface|type) (\w+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (names && !names.includes(m[1])) continue;
    // To the end of the declaration: the matching brace of an interface, the semicolon of a type.
    let i = m.index;
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0 && text.startsWith('export interface', m.index)) break;
      else if (c === ';' && depth === 0 && text.startsWith('export type', m.index)) break;
    }
    out.push(text.slice(m.index, i + 1).replace(/\s+/g, ' '));
  }
  return out.join('\n');
}

function fingerprint(): string {
  const contract = [
    declarations('src/diagnose/report.ts'),
    declarations('src/findings/finding.ts', ['Finding', 'FixAlternative', 'FixProof', 'LoggedLine']),
  ].join('\n');
  return createHash('sha256').update(contract).digest('hex');
}

describe('the JSON and YAML contract', () => {
  it('changes only with a version change (or an acknowledged fingerprint)', () => {
    const recorded = JSON.parse(readFileSync(join(ROOT, 'test', 'report-contract.json'), 'utf8'));
    expect(recorded.apiVersion, 'REPORT_API_VERSION changed: record the fingerprint of the new version').toBe(
      REPORT_API_VERSION,
    );
    expect(
      fingerprint(),
      `the report types changed under ${REPORT_API_VERSION}: bump REPORT_API_VERSION if consumers must change, ` +
        'else record the new fingerprint in test/report-contract.json',
    ).toBe(recorded.sha256);
  });

  it.each([
    [['explain', '-f', 'docs/seeds/lesson-authz.yaml', 'test/curl', 'helloworld.hello:5000'], 'ExplainReport'],
    [['probes', '-f', 'docs/seeds/docs-networkpolicy.yaml', 'hello/helloworld-v1-7d9f8c6b5-abcde'], 'ProbesReport'],
    [['check', '-f', 'docs/seeds/lesson-authz.yaml'], 'CheckReport'],
    [['matrix', '-f', 'docs/seeds/lesson-authz.yaml', '--port', '5000'], 'MatrixReport'],
    [['version'], 'Version'],
  ])('%j -o json and -o yaml carry apiVersion and kind %s', (args, kind) => {
    for (const output of ['json', 'yaml']) {
      if (output === 'yaml' && kind === 'Version') continue;
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kubectl-ambient_doctor'), ...args, '-o', output], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      const head = r.stdout.split('\n').slice(0, 3).join('\n');
      expect(head, r.stderr).toContain(REPORT_API_VERSION);
      expect(head).toContain(kind);
    }
  });
});
