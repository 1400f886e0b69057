// §3.1: PeerAuthentications that istiod ignores or that do not mean what they say for ambient.
import { refTo } from '../../snapshot/ref.js';
import { finding } from '../../findings/finding.js';
import { podName } from '../context.js';
import type { Analyzer, MtlsSubject } from './analyzer.js';

const name = (pa: { meta: { namespace: string; name: string } }) =>
  `PeerAuthentication ${pa.meta.namespace}/${pa.meta.name}`;
const ref = (pa: { meta: { namespace: string; name: string } }) => refTo('PeerAuthentication', pa.meta);

export const ignoredRootSelector: Analyzer<MtlsSubject> = {
  codes: ['AD303'],
  analyze: (ctx, { mtls }) =>
    mtls.levels.ignoredRootSelectors.map((pa) =>
      finding(
        'AD303',
        `${name(pa)} has a selector in the root namespace ${ctx.snapshot.mesh.rootNamespace}; istiod ignores ` +
          `it for ambient workloads.`,
        [ref(pa)],
      ),
    ),
};

export const shadowedAtSameLevel: Analyzer<MtlsSubject> = {
  codes: ['AD304'],
  analyze: (_ctx, { mtls, destination }) =>
    mtls.levels.shadowed.map((pa) =>
      finding(
        'AD304',
        `${name(pa)} is ignored for ${podName(destination)}: another PeerAuthentication at the same level is ` +
          `older and wins.`,
        [ref(pa)],
      ),
    ),
};

export const disableIsPermissive: Analyzer<MtlsSubject> = {
  codes: ['AD302'],
  analyze: (_ctx, { mtls }) => {
    const pa = mtls.decidedBy;
    if (pa?.mode !== 'DISABLE') return [];
    const detail =
      `${name(pa)} sets DISABLE: ambient pods still talk mTLS; for ztunnel it only means "not STRICT", so ` +
      `plaintext is accepted.`;
    return [finding('AD302', detail, [ref(pa)])];
  },
};
