// A finding as reports carry it: the catalogue entry of its code, the detail for this case, the
// objects it names (decisive first) and, where one exists, a fix.
import { refText, type ObjectRef } from '../snapshot/ref.js';
import { FINDINGS, type FindingCode, type Severity } from './catalogue.js';

export interface Finding {
  code: FindingCode;
  severity: Severity;
  title: string;
  detail: string;
  /** `Kind namespace/name` or `Kind name`; the decisive object first. */
  objects: string[];
  fix?: string;
  docs: string;
}

type Lazy = string | (() => string | undefined);

/**
 * Detail and fix may be given as functions: they are rendered when first read (a matrix never
 * reads them).
 */
export function finding(code: FindingCode, detail: Lazy, refs: ObjectRef[] = [], fix?: Lazy): Finding {
  const def = FINDINGS[code];
  const docs = `docs/findings/${code}.md`;
  const objects = refs.map(refText);
  const { severity, title } = def;
  if (typeof detail !== 'function' && typeof fix !== 'function') {
    return fix
      ? { code, severity, title, detail, objects, fix, docs }
      : { code, severity, title, detail, objects, docs };
  }
  let detailText: string | undefined | null = typeof detail === 'function' ? null : detail;
  let fixText: string | undefined | null = typeof fix === 'function' ? null : fix;
  // Getters keep the documented key order (code, severity, title, detail, objects, fix, docs).
  return {
    code,
    severity,
    title,
    get detail() {
      if (detailText === null) detailText = (detail as () => string)() ?? '';
      return detailText as string;
    },
    objects,
    get fix() {
      if (fixText === null) fixText = (fix as () => string | undefined)();
      return fixText ?? undefined;
    },
    docs,
  } as Finding;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Dedupes by code+detail and orders by severity, keeping the engine's order within one severity. */
export function orderFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const key = `${f.code}\u0000${f.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
}
