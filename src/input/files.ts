// Reads manifests from files, directories and stdin into plain Kubernetes objects.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../errors.js';

export interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, any>;
  [key: string]: any;
}

export interface SourcedObject {
  object: RawObject;
  origin: string;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function listFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new InputError(`cannot read ${path}: no such file or directory`);
  }
  if (!stat.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => {
      const full = join(path, entry);
      const isDir = statSync(full).isDirectory();
      if (isDir) return listFiles(full);
      return MANIFEST_EXTENSIONS.has(extname(entry).toLowerCase()) ? [full] : [];
    });
}

/** Flattens `kind: List` (and `PodList` etc., as `kubectl get -o yaml` prints them). */
function flatten(object: RawObject, origin: string): SourcedObject[] {
  if (Array.isArray(object.items) && typeof object.kind === 'string' && object.kind.endsWith('List')) {
    return object.items.flatMap((item: RawObject) => flatten(item, origin));
  }
  return [{ object, origin }];
}

export function parseManifestText(text: string, origin: string): SourcedObject[] {
  if (text.trim() === '') throw new InputError(`${origin} is empty: expected Kubernetes manifests (YAML or JSON)`);
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: false });
  const docs = Array.isArray(documents) ? documents : [documents];
  const out: SourcedObject[] = [];
  docs.forEach((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line;
      const firstLine = error.message.split('\n')[0];
      throw new InputError(`${origin}${line ? `:${line}` : ''}: malformed YAML: ${firstLine}`);
    }
    const value = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new InputError(`${origin}: document ${index + 1} is not a Kubernetes object`);
    }
    if (typeof value.kind !== 'string' || value.kind === '') {
      throw new InputError(`${origin}: document ${index + 1} has no "kind"; is this a Kubernetes manifest?`);
    }
    out.push(...flatten(value, origin));
  });
  if (out.length === 0) throw new InputError(`${origin} holds no Kubernetes objects`);
  return out;
}

export function readManifestFiles(paths: string[], readStdin: () => string): SourcedObject[] {
  const objects: SourcedObject[] = [];
  for (const path of paths) {
    if (path === '-') {
      objects.push(...parseManifestText(readStdin(), 'stdin'));
      continue;
    }
    const files = listFiles(path);
    if (files.length === 0) throw new InputError(`${path} holds no .yaml, .yml or .json files`);
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      objects.push(...parseManifestText(text, file));
    }
  }
  return objects;
}
