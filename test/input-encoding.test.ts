// Files as users really have them (issue 25): manifests and logs written by PowerShell (UTF-16 with a
// byte order mark), UTF-8 with a mark, UTF-32; file errors in words; SARIF locations for paths with
// spaces, `#` and `%`. Each read as kubectl reads it (its FileVisitor switches on a UTF-8 or UTF-16 BOM)
// or refused in one line.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../src/input/read-text.js';
import { sarifUri } from '../src/render/check.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'kubectl-ambient_doctor');
const STRICT = readFileSync(join(ROOT, 'examples', 'helloworld-strict.yaml'), 'utf8');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

function utf16(text: string, bigEndian: boolean): Buffer {
  const le = Buffer.from(text, 'utf16le');
  if (bigEndian) le.swap16();
  return Buffer.concat([Buffer.from(bigEndian ? [0xfe, 0xff] : [0xff, 0xfe]), le]);
}

function utf32(text: string, bigEndian: boolean): Buffer {
  const points = [...text].map((c) => c.codePointAt(0)!);
  const out = Buffer.alloc(4 * (points.length + 1));
  const write = (v: number, at: number) => (bigEndian ? out.writeUInt32BE(v, at) : out.writeUInt32LE(v, at));
  write(0xfeff, 0);
  points.forEach((p, i) => write(p, 4 * (i + 1)));
  return out;
}

describe('encodings with a byte order mark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'encodings-'));
  const plain = run([
    'explain',
    'test/curl',
    'helloworld.hello:5000',
    '-f',
    join(ROOT, 'examples', 'helloworld-strict.yaml'),
    '-o',
    'json',
  ]);

  it.each([
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(STRICT)])],
    ['UTF-16LE (PowerShell)', utf16(STRICT, false)],
    ['UTF-16BE', utf16(STRICT, true)],
    ['UTF-32LE', utf32(STRICT, false)],
    ['UTF-32BE', utf32(STRICT, true)],
  ])('%s: the same answer as the UTF-8 file', (name, bytes) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, bytes);
    const r = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', file, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).verdict).toEqual(JSON.parse(plain.stdout).verdict);
    // Through stdin too.
    const piped = spawnSync(
      process.execPath,
      [BIN, 'explain', 'test/curl', 'helloworld.hello:5000', '-f', '-', '-o', 'json'],
      {
        input: bytes,
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(piped.stdout).verdict).toEqual(JSON.parse(plain.stdout).verdict);
  });

  it('decodes a log file written by PowerShell (UTF-16LE) like its UTF-8 copy', () => {
    const log = readFileSync(
      join(ROOT, 'test', 'scenarios', 'logs-01-policy-rejection-confirms', 'ztunnel-node-b.log'),
      'utf8',
    );
    expect(decodeText(utf16(log, false))).toBe(log);
  });
});

describe('file errors: one line in words, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'file-errors-'));
  it.each([
    ['a missing file', () => join(dir, 'missing.yaml'), 'no such file or directory'],
    [
      'a file without read permission',
      () => {
        const f = join(dir, 'secret.yaml');
        writeFileSync(f, STRICT);
        chmodSync(f, 0o000);
        return f;
      },
      process.getuid?.() === 0 ? null : 'permission denied',
    ],
    [
      'a directory that cannot be listed',
      () => {
        const d = join(dir, 'closed');
        mkdirSync(d);
        chmodSync(d, 0o000);
        return d;
      },
      process.getuid?.() === 0 ? null : 'permission denied',
    ],
  ])('%s', (_name, make, words) => {
    // root reads everything: the permission cases only say so (and still run, to show no stack trace).
    const r = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', make()]);
    if (words === null) {
      console.log(`${_name}: running as root, which may read it anyway`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      return;
    }
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(words);
    expect(r.stderr).not.toMatch(/E[A-Z]{3,}/);
  });
});

describe('a file larger than one string may be', () => {
  it('600 MiB (sparse on disk): refused before it is read, in one line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'huge-')), 'huge.yaml');
    writeFileSync(file, '');
    truncateSync(file, 600 * 1024 * 1024);
    const started = Date.now();
    const r = run(['explain', 'test/curl', 'helloworld.hello:5000', '-f', file]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('it is 600 MiB, larger than the 511 MiB a file may have');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('SARIF locations', () => {
  it.each([
    ['dir with space/a#b%c.yaml', 'dir%20with%20space/a%23b%25c.yaml'],
    ['plain/file.yaml', 'plain/file.yaml'],
    ['/abs/pa th/x#.yaml', 'file:///abs/pa%20th/x%23.yaml'],
  ])('%s → %s', (path, uri) => {
    expect(sarifUri(path)).toBe(uri);
    expect(() => new URL(uri, 'file:///base/')).not.toThrow();
  });

  it('check -o sarif on a file whose path holds a space, # and %', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sarif dir #1 %x-'));
    const file = join(dir, 'mesh #1.yaml');
    writeFileSync(file, STRICT);
    const r = spawnSync(process.execPath, [BIN, 'check', '-f', file, '-o', 'sarif'], { encoding: 'utf8' });
    const sarif = JSON.parse(r.stdout);
    const uris = sarif.runs[0].results.flatMap((x: any) =>
      x.locations.map((l: any) => l.physicalLocation?.artifactLocation?.uri).filter(Boolean),
    );
    expect(uris.length).toBeGreaterThan(0);
    for (const uri of uris) {
      expect(uri).toMatch(/^file:\/\//);
      expect(decodeURIComponent(new URL(uri).pathname)).toBe(file);
    }
  });
});
