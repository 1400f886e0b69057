// Reads manifests from files, directories and stdin into plain Kubernetes objects.
import { readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { shapeProblem } from './shapes.js';
import { loadYamlDocuments, YamlError } from './yaml.js';
import { readErrorWords, readText } from './read-text.js';

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
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${readErrorWords(err)}`);
  }
  if (!stat.isDirectory()) return [path];
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${readErrorWords(err)}`);
  }
  return entries.sort().flatMap((entry) => {
    const full = join(path, entry);
    let isDir: boolean;
    try {
      isDir = statSync(full).isDirectory();
    } catch (err) {
      throw new InputError(`cannot read ${full}: ${readErrorWords(err)}`);
    }
    if (isDir) return listFiles(full);
    return MANIFEST_EXTENSIONS.has(extname(entry).toLowerCase()) ? [full] : [];
  });
}

/**
 * Flattens `kind: List` (and `PodList` etc., as `kubectl get -o yaml` prints them), lists inside
 * lists included, with a loop rather than recursion: nesting depth is the input's to choose.
 */
function flattenInto(out: SourcedObject[], root: RawObject, origin: string, where: string): void {
  const stack: { object: unknown; where: string }[] = [{ object: root, where }];
  while (stack.length > 0) {
    const { object, where: at } = stack.pop()!;
    if (object === null || typeof object !== 'object' || Array.isArray(object)) {
      throw new UsageError(`${origin}: ${at} is ${object === null ? 'null' : 'not a Kubernetes object'}`);
    }
    const o = object as RawObject;
    if (Array.isArray(o.items) && typeof o.kind === 'string' && o.kind.endsWith('List')) {
      // Typed lists (PodList, NetworkPolicyList) may omit each item's kind and apiVersion.
      const itemKind = o.kind === 'List' ? undefined : o.kind.slice(0, -'List'.length);
      for (let i = o.items.length - 1; i >= 0; i--) {
        const item = o.items[i];
        const typed =
          itemKind && item && typeof item === 'object' && !item.kind
            ? { apiVersion: o.apiVersion, kind: itemKind, ...item }
            : item;
        stack.push({ object: typed, where: `${at}, item ${i + 1} of its ${o.kind}` });
      }
      continue;
    }
    if (typeof o.kind !== 'string' || o.kind === '') {
      throw new InputError(`${origin}: ${at} has no "kind"; is this a Kubernetes manifest?`);
    }
    const wrong = shapeProblem(o);
    if (wrong) throw new UsageError(`${origin}: ${wrong}`);
    out.push({ object: o, origin });
  }
}

function loadDocuments(text: string, origin: string): unknown[] {
  if (/^\s*[{[]/.test(text)) {
    try {
      return [JSON.parse(text)];
    } catch {
      // Not strict JSON; YAML is a superset, so let the YAML parser report the problem.
    }
  }
  try {
    return loadYamlDocuments(text, origin);
  } catch (err) {
    if (err instanceof YamlError) {
      throw new InputError(`${origin}${err.line !== undefined ? `:${err.line + 1}` : ''}: ${err.message}`);
    }
    throw err;
  }
}

export function parseManifestText(text: string, origin: string): SourcedObject[] {
  if (text.trim() === '') throw new InputError(`${origin} is empty: expected Kubernetes manifests (YAML or JSON)`);
  const out: SourcedObject[] = [];
  const docs = loadDocuments(text, origin);
  for (let index = 0; index < docs.length; index++) {
    const value = docs[index];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new InputError(`${origin}: document ${index + 1} is not a Kubernetes object`);
    }
    flattenInto(out, value as RawObject, origin, `document ${index + 1}`);
  }
  if (out.length === 0) throw new InputError(`${origin} holds no Kubernetes objects`);
  return out;
}

/**
 * The objects of every path (`-` is stdin). A file found inside a directory that holds no Kubernetes object
 * (a Helm values.yaml, a kustomization, a CI config) is skipped with a note, as istioctl analyze does; a file
 * named on its own must hold objects.
 */
export function readManifestFiles(paths: string[], readStdin: () => string, skipped: string[] = []): SourcedObject[] {
  const objects: SourcedObject[] = [];
  for (const path of paths) {
    if (path === '-') {
      for (const o of parseManifestText(readStdin(), 'stdin')) objects.push(o);
      continue;
    }
    const files = listFiles(path);
    if (files.length === 0) throw new InputError(`${path} holds no .yaml, .yml or .json files`);
    const inDirectory = files.length > 1 || files[0] !== path;
    for (const file of files) {
      let found: SourcedObject[];
      try {
        found = parseManifestText(readText(file), file);
      } catch (err) {
        if (!inDirectory || !isNotManifest(err)) throw err;
        skipped.push(`${file}: ${(err as Error).message.replace(`${file}: `, '').replace(`${file} `, '')}`);
        continue;
      }
      for (const o of found) objects.push(o);
    }
  }
  return objects;
}

/** Errors that say a file is not Kubernetes manifests at all (rather than a broken one). */
function isNotManifest(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return /is not a Kubernetes object|holds no Kubernetes objects|has no "kind"|is empty: expected Kubernetes/.test(
    err.message,
  );
}
