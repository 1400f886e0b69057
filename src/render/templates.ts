// -o jsonpath=…, jsonpath-file=…, jsonpath-as-json=…, go-template=…, go-template-file=… (and kubectl's
// aliases template=, templatefile=): the report document printed by kubectl v1.32's own template code,
// compiled to WebAssembly from kubectl-printers/ (client-go's JSONPath, Go's text/template), so that a
// template prints here exactly what kubectl prints for the same JSON.
import { readFileSync } from 'node:fs';
import { runInThisContext } from 'node:vm';
import { InputError, UsageError } from '../errors.js';

export type TemplateEngine = 'jsonpath' | 'jsonpath-as-json' | 'go-template';

export interface TemplateOutput {
  engine: TemplateEngine;
  /** The format as given (jsonpath-file, templatefile, …), for messages. */
  format: string;
  text: string;
}

// kubectl's names for each engine; the -file forms read the template from a file.
const FORMATS: Record<string, { engine: TemplateEngine; file: boolean }> = {
  jsonpath: { engine: 'jsonpath', file: false },
  'jsonpath-file': { engine: 'jsonpath', file: true },
  'jsonpath-as-json': { engine: 'jsonpath-as-json', file: false },
  'go-template': { engine: 'go-template', file: false },
  'go-template-file': { engine: 'go-template', file: true },
  template: { engine: 'go-template', file: false },
  templatefile: { engine: 'go-template', file: true },
};
export const TEMPLATE_FORMATS = Object.keys(FORMATS);

/**
 * The template an -o value (and --template) asks for, or undefined when the value names no template
 * format. As kubectl: `-o jsonpath='{…}'`, or `-o jsonpath --template '{…}'` (--template wins).
 */
export function templateOutput(output: string | undefined, templateFlag?: string): TemplateOutput | undefined {
  if (!output) return undefined;
  const eq = output.indexOf('=');
  const format = eq < 0 ? output : output.slice(0, eq);
  const spec = FORMATS[format];
  if (!spec) return undefined;
  const value = templateFlag || (eq < 0 ? '' : output.slice(eq + 1));
  if (!value) throw new UsageError('template format specified but no template given');
  if (!spec.file) return { engine: spec.engine, format, text: value };
  try {
    return { engine: spec.engine, format, text: readFileSync(value, 'utf8') };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new InputError(`error reading --template ${value}: ${why}`);
  }
}

/** Where the WebAssembly module and Go's wasm_exec.js come from: dist/ on disk, or the binary's embedded files. */
interface PrinterAssets {
  wasmExec(): Promise<string>;
  wasm(): Promise<Uint8Array>;
}

// From src/render and dist/render alike, ../../dist is the build's dist/.
const ON_DISK = new URL('../../dist/kubectl-printers/', import.meta.url);
let assets: PrinterAssets = {
  wasmExec: async () => readFileSync(new URL('wasm_exec.txt', ON_DISK), 'utf8'),
  wasm: async () => readFileSync(new URL('printers.wasm', ON_DISK)),
};

/** The compiled binary serves both files from inside itself (src/standalone.ts). */
export function usePrinterAssets(embedded: PrinterAssets): void {
  assets = embedded;
}

type Print = (
  engine: TemplateEngine,
  text: string,
  json: string,
  allowMissingKeys: boolean,
) => { output?: string; error?: string; stage?: string };

let loaded: Promise<Print> | undefined;

async function load(): Promise<Print> {
  const global = globalThis as unknown as { Go?: new () => GoRuntime; ambientDoctorKubectlPrint?: Print };
  let exec: string;
  let wasm: Uint8Array;
  try {
    [exec, wasm] = await Promise.all([assets.wasmExec(), assets.wasm()]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UsageError(`cannot load the template engine: ${err}`);
    throw new UsageError(
      'this build has no template engine (dist/kubectl-printers is missing: Go was absent when it was built); ' +
        'use -o json and jq',
    );
  }
  // wasm_exec.js is a script that defines globalThis.Go; it must match the Go that built the module.
  if (!global.Go) runInThisContext(exec, { filename: 'wasm_exec.js' });
  const go = new global.Go!();
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(wasm as BufferSource), go.importObject);
  // run() returns when the Go program exits, which it never does: it waits for calls.
  void go.run(instance);
  const print = global.ambientDoctorKubectlPrint;
  if (!print) throw new Error('the template engine did not start');
  return print;
}

interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

/** The document printed through the template, as kubectl prints it; its errors in kubectl's words. */
export async function renderTemplate(t: TemplateOutput, document: unknown, allowMissingKeys = true): Promise<string> {
  loaded ??= load();
  const print = await loaded;
  const r = print(t.engine, t.text, JSON.stringify(document), allowMissingKeys);
  if (r.error === undefined) return r.output ?? '';
  const kind = t.engine === 'go-template' ? 'template' : 'jsonpath';
  if (r.stage === 'parse') throw new UsageError(`error parsing ${kind} ${oneLine(t.text)}, ${r.error}`);
  throw new UsageError(`error executing ${kind} ${JSON.stringify(t.text)}: ${r.error}`);
}

/** A template that does not parse is a usage error before anything is read, as in kubectl. */
export async function checkTemplate(output: string | undefined, templateFlag?: string): Promise<void> {
  const t = templateOutput(output, templateFlag);
  if (!t) return;
  try {
    await renderTemplate(t, {});
  } catch (err) {
    if (!(err instanceof UsageError && err.message.startsWith('error executing'))) throw err;
  }
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ');
