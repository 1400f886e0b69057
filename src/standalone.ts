// Entry of the self-contained binary (bun build --compile), see docs/packaging.md.
// Inside the binary there is no package.json and no dist/commands/ on disk, so oclif gets its
// package description from the packaging script (bun --define) and finds the command table
// through the explicit strategy pointed back at this very module.
import { basename } from 'node:path';
import { Config } from '@oclif/core';
import { COMMANDS as commandTable } from './commands/index.js';
import { main, NO_PLUGINS } from './main.js';
import { usePrinterAssets } from './render/templates.js';

interface PackageFacts {
  name: string;
  version: string;
  description: string;
  oclif: Record<string, unknown>;
}

// Replaced by scripts/package.mjs with package.json's name, version, description and oclif block.
declare const AMBIENT_DOCTOR_PACKAGE: PackageFacts;

// oclif's explicit strategy imports `target` again and reads this export.
export const COMMANDS = commandTable;

// kubectl's template engine (dist/kubectl-printers) is embedded in the binary by scripts/package.mjs.
interface EmbeddedFile extends Blob {
  name: string;
}
const embedded = (name: string): EmbeddedFile => {
  const files = (globalThis as { Bun?: { embeddedFiles?: EmbeddedFile[] } }).Bun?.embeddedFiles ?? [];
  const file = files.find((f) => f.name === name);
  if (!file) throw new Error(`${name} is not embedded in this binary`);
  return file;
};
usePrinterAssets({
  wasmExec: () => embedded('wasm_exec.txt').text(),
  wasm: async () => new Uint8Array(await embedded('printers.wasm').arrayBuffer()),
});

// The binary serves its own modules from a virtual folder (/$bunfs/root/<outfile name>, or
// B:\~BUN\root\… on Windows); oclif resolves `target` against `root`, so both come from this
// module's own path, whatever the executable is called on disk.
const pjson = {
  ...AMBIENT_DOCTOR_PACKAGE,
  oclif: {
    ...AMBIENT_DOCTOR_PACKAGE.oclif,
    commands: { strategy: 'explicit', target: `./${basename(import.meta.filename)}`, identifier: 'COMMANDS' },
  },
};

// No top-level await: oclif require()s this module again, and Bun cannot require() a module
// that awaits at top level.
void Config.load({ root: import.meta.dirname, pjson, ...NO_PLUGINS } as Parameters<typeof Config.load>[0]).then(
  (config) => {
    const argv = process.argv.slice(2);
    // oclif's --version names the runtime as node-<process.version>; inside the binary that is
    // Bun's Node-compatible version (node-v26…), which would mislead a bug report.
    if (argv[0] === '--version') {
      process.stdout.write(`${config.userAgent.replace(/ node-\S+$/, ` bun-${process.versions.bun ?? 'unknown'}`)}\n`);
      return;
    }
    return main(argv, config);
  },
  (err: unknown) => {
    process.stderr.write(`error: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
