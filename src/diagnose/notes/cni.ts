// §7, §11 row 21: CNI settings known to break ambient probes or capture, when their ConfigMaps are in the input.
import type { Snapshot } from '../../snapshot/types.js';
import { refTo } from '../../snapshot/ref.js';
import { finding, type Finding } from '../../findings/finding.js';
import type { Analyzer } from './analyzer.js';

export const ciliumSettings: Analyzer<Snapshot> = {
  codes: ['AD602'],
  analyze: (_ctx, snapshot) => {
    const out: Finding[] = [];
    const cilium = snapshot.configMaps.find((c) => c.meta.name === 'cilium-config');
    if (!cilium) return out;
    const ref = refTo('ConfigMap', cilium.meta);
    const name = `ConfigMap ${cilium.meta.namespace}/${cilium.meta.name}`;
    if (cilium.data['enable-host-legacy-routing'] !== 'true') {
      const detail =
        `${name} does not set enable-host-legacy-routing=true. With BPF host routing Cilium bypasses host netfilter, ` +
        'where the ambient probe SNAT lives, so probe replies get lost (Helm: bpf.hostLegacyRouting=true). Key names ' +
        'vary by Cilium version.';
      out.push(finding('AD602', detail, [ref]));
    }
    if (cilium.data['cni-exclusive'] === 'true') {
      const detail =
        `${name} sets cni-exclusive=true: Cilium removes istio-cni's configuration, so pods are not captured ` +
        `(Helm: cni.exclusive=false).`;
      out.push(finding('AD602', detail, [ref]));
    }
    return out;
  },
};
