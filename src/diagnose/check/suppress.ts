// Suppression, per object or by flag: an object annotated `ambient-doctor.io/ignore: AD403,AD807`
// (or `all`) hides those findings about it; a Namespace's annotation covers the objects in it.
// `--ignore CODE` hides a code everywhere, `--ignore CODE:NAMESPACE` or `CODE:NAMESPACE/NAME` on those objects.
import type { ObjectMeta, Snapshot } from '../../snapshot/types.js';
import { namespaceRef, refText, refTo } from '../../snapshot/ref.js';
import { FINDINGS } from '../../findings/catalogue.js';
import { refsOf, type Finding } from '../../findings/finding.js';
import { UsageError } from '../../errors.js';

export const IGNORE_ANNOTATION = 'ambient-doctor.io/ignore';

export interface Suppression {
  /** What hides this finding (`annotation on Kind ns/name`, `--ignore X`), or undefined. */
  by(f: Finding): string | undefined;
}

const codesOf = (value: string) =>
  new Set(
    value
      .split(/[\s,]+/)
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean),
  );

export function suppressionOf(snapshot: Snapshot, ignore: string[]): Suppression {
  const annotated = new Map<string, Set<string>>();
  const note = (kind: string, meta: ObjectMeta) => {
    const value = meta.annotations?.[IGNORE_ANNOTATION];
    if (value !== undefined) annotated.set(refText(refTo(kind, meta)), codesOf(value));
  };
  for (const n of snapshot.namespaces.values()) note('Namespace', n.meta);
  for (const p of snapshot.pods) note('Pod', p.meta);
  for (const s of snapshot.services) note('Service', s.meta);
  for (const w of snapshot.workloads) note(w.kind, w.meta);
  for (const np of snapshot.networkPolicies) note('NetworkPolicy', np.meta);
  for (const ap of snapshot.authorizationPolicies) note('AuthorizationPolicy', ap.meta);
  for (const pa of snapshot.peerAuthentications) note('PeerAuthentication', pa.meta);
  for (const g of snapshot.gateways) note('Gateway', g.meta);
  for (const se of snapshot.serviceEntries) note('ServiceEntry', se.meta);
  const flags = ignore.flatMap((raw) =>
    raw.split(',').map((part) => {
      const [code, where] = part.trim().split(':', 2);
      const upper = code.toUpperCase();
      if (!(upper in FINDINGS)) throw new UsageError(`--ignore ${part}: ${code} is not a finding code (see 'docs')`);
      return { code: upper, where, text: part.trim() };
    }),
  );
  const hides = (codes: Set<string> | undefined, code: string) => !!codes && (codes.has(code) || codes.has('ALL'));
  return {
    by(f) {
      for (const flag of flags) {
        if (flag.code !== f.code) continue;
        if (!flag.where) return `--ignore ${flag.text}`;
        // NAMESPACE names a namespace or a namespaced object's namespace, NAMESPACE/NAME one object.
        const hit = refsOf(f).some((r) =>
          r.namespace ? r.namespace === flag.where || `${r.namespace}/${r.name}` === flag.where : r.name === flag.where,
        );
        if (hit) return `--ignore ${flag.text}`;
      }
      for (const r of refsOf(f)) {
        const text = refText(r);
        if (hides(annotated.get(text), f.code)) return `annotation on ${text}`;
        if (r.namespace && hides(annotated.get(refText(namespaceRef(r.namespace))), f.code))
          return `annotation on Namespace ${r.namespace}`;
      }
      return undefined;
    },
  };
}
