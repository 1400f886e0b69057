// Reads manifests from files, directories and stdin into plain Kubernetes objects.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { loadAll, CORE_SCHEMA, YAMLException } from 'js-yaml';
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
    // Typed lists (PodList, NetworkPolicyList) may omit each item's kind and apiVersion.
    const itemKind = object.kind === 'List' ? undefined : object.kind.slice(0, -'List'.length);
    return object.items.flatMap((item: RawObject) =>
      flatten(itemKind && !item.kind ? { apiVersion: object.apiVersion, kind: itemKind, ...item } : item, origin),
    );
  }
  return [{ object, origin }];
}

/** js-yaml with the core schema: fast on large dumps, and timestamps stay strings as in kubectl. */
function loadDocuments(text: string, origin: string): unknown[] {
  if (/^\s*[{[]/.test(text)) {
    try {
      return [JSON.parse(text)];
    } catch {
      // Not strict JSON; YAML is a superset, so let the YAML parser report the problem.
    }
  }
  try {
    return loadAll(text, undefined, { schema: CORE_SCHEMA, filename: origin });
  } catch (err) {
    if (err instanceof YAMLException) {
      const line = err.mark ? `:${err.mark.line + 1}` : '';
      throw new InputError(`${origin}${line}: malformed YAML: ${err.reason}`);
    }
    throw new InputError(`${origin}: cannot parse: ${(err as Error).message.split('\n')[0]}`);
  }
}

export function parseManifestText(text: string, origin: string): SourcedObject[] {
  if (text.trim() === '') throw new InputError(`${origin} is empty: expected Kubernetes manifests (YAML or JSON)`);
  const out: SourcedObject[] = [];
  loadDocuments(text, origin).forEach((value: any, index) => {
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
