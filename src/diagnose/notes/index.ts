// Every note analyzer, by the subject it looks at. Hops run the lists for the objects they
// cross (in this order, which is the order findings are shown in); a mesh-wide scan can run
// them for every object.
import type { PodFact, Snapshot } from '../../snapshot/types.js';
import type { Finding } from '../../findings/finding.js';
import type { EvalContext } from '../context.js';
import type { Analyzer, MtlsSubject, PolicySubject } from './analyzer.js';
import { disableIsPermissive, ignoredRootSelector, shadowedAtSameLevel } from './peer-authentication.js';
import { unsupportedAction } from './unsupported-action.js';
import { dryRun } from './dry-run.js';
import { httpFieldsAtZtunnel } from './http-fields-at-ztunnel.js';
import { spiffePrincipal } from './spiffe-principal.js';
import { droppedValues } from './dropped-values.js';
import { foreignTrustDomain } from './trust-domain.js';
import { ipBlocksAtZtunnel } from './ip-blocks.js';
import { targetRefsSkipZtunnel } from './target-refs.js';
import { undeclaredPort } from './undeclared-port.js';
import { ciliumSettings } from './cni.js';
import { duplicateObjects, readGaps, ztunnelsMissing } from './reading.js';
import { mixedModePath, type PairSubject } from './mixed-mode.js';

export const NOTES = {
  /** The PeerAuthentication levels at a destination (§3.1). */
  mtls: [ignoredRootSelector, shadowedAtSameLevel, disableIsPermissive] as Analyzer<MtlsSubject>[],
  /** One AuthorizationPolicy in scope at a destination's ztunnel (§4). */
  policy: [
    unsupportedAction,
    dryRun,
    httpFieldsAtZtunnel,
    spiffePrincipal,
    droppedValues,
    foreignTrustDomain,
    ipBlocksAtZtunnel,
  ] as Analyzer<PolicySubject>[],
  /** A destination pod reached through its ztunnel (§4.1). */
  destination: [targetRefsSkipZtunnel] as Analyzer<PodFact>[],
  /** The two ends of a connection in a half-migrated mesh (§1.2, §12.8). */
  pair: [mixedModePath] as Analyzer<PairSubject>[],
  /** The port the destination is dialled on (§11 row 24). */
  port: [undeclaredPort] as Analyzer<{ destination: PodFact; port: number }>[],
  /** The input as a whole (§2.1, §7). */
  dataplane: [ztunnelsMissing] as Analyzer<Snapshot>[],
  cni: [ciliumSettings] as Analyzer<Snapshot>[],
  reading: [readGaps, duplicateObjects] as Analyzer<Snapshot>[],
};

export function runNotes<S>(ctx: EvalContext, analyzers: Analyzer<S>[], subject: S): Finding[] {
  return analyzers.flatMap((a) => a.analyze(ctx, subject));
}
