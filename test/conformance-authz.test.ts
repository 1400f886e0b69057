// istiod's own conversion goldens (../shared/conformance/istio-ambient-authz-conversion, used
// as they are): our conversion of AuthorizationPolicy and PeerAuthentication must produce the
// same ztunnel policy. The adapter below only renders our model in the goldens' notation
// (base64 IP bytes, ALLOW and a missing namespace omitted); it does not change any result.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../src/input/files.js';
import { buildSnapshot } from '../src/input/normalize.js';
import { convertAuthorizationPolicy } from '../src/mesh/authorization.js';
import { convertPeerAuthentication, mtlsLevels } from '../src/mesh/peer-authentication.js';
import type { RbacMatch, RbacPolicy } from '../src/mesh/ztunnel-rbac.js';

// The corpus lives in the project's shared folder beside the checkout (../shared), or where
// AMBIENT_DOCTOR_SHARED points. CI always has it; elsewhere the suite says why it is skipped.
const SHARED = process.env.AMBIENT_DOCTOR_SHARED ?? join(import.meta.dirname, '..', '..', 'shared');
const DIR = join(SHARED, 'conformance', 'istio-ambient-authz-conversion', 'testdata');
const AVAILABLE = existsSync(DIR);
if (!AVAILABLE) {
  if (process.env.CI) throw new Error(`conformance corpus not found at ${DIR}`);
  console.warn(`skipping istiod conversion goldens: ${DIR} not found (set AMBIENT_DOCTOR_SHARED)`);
}
const ROOT = 'istio-system';

function renderMatch(m: RbacMatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (!Array.isArray(v) || v.length === 0) continue;
    if (
      k.endsWith('Ips') ||
      k.endsWith('IPs') ||
      k === 'sourceIps' ||
      k === 'notSourceIps' ||
      k === 'destinationIps' ||
      k === 'notDestinationIps'
    ) {
      out[k] = v.map((c: { address: string; length: number }) => ({
        address: Buffer.from(ipaddr.parse(c.address).toByteArray()).toString('base64'),
        length: c.length,
      }));
    } else out[k] = v;
  }
  return out;
}

function render(policy: RbacPolicy | undefined, hadNamespace: boolean): unknown {
  if (!policy) return null;
  return {
    ...(policy.action === 'DENY' ? { action: 'DENY' } : {}),
    groups: policy.groups.map((g) =>
      g.rules.length ? { rules: g.rules.map((c) => ({ matches: c.matches.map(renderMatch) })) } : {},
    ),
    name: policy.name,
    ...(hadNamespace ? { namespace: policy.namespace } : {}),
    scope: policy.scope,
  };
}

const cases = (AVAILABLE ? readdirSync(DIR) : [])
  .filter((f) => f.endsWith('-in.yaml'))
  .map((f) => f.replace(/-in\.yaml$/, ''))
  .sort();

describe.skipIf(!AVAILABLE)('istiod ambient policy conversion goldens (skipped without ../shared, see above)', () => {
  it('finds all 22 golden pairs', () => expect(cases.length).toBe(22));

  it.each(cases)('%s', (name) => {
    const objects = parseManifestText(readFileSync(join(DIR, `${name}-in.yaml`), 'utf8'), name);
    const expectedText = readFileSync(join(DIR, `${name}.yaml`), 'utf8');
    const expected = expectedText.trim() === '' ? null : parse(expectedText);
    const snapshot = buildSnapshot(objects);
    let actual: unknown;
    if (snapshot.authorizationPolicies.length > 0) {
      const ap = snapshot.authorizationPolicies[0];
      const raw = objects[0].object;
      actual = render(
        convertAuthorizationPolicy(ap, { rootNamespace: ROOT }).policy,
        raw.metadata?.namespace !== undefined,
      );
    } else {
      const pas = snapshot.peerAuthentications;
      const workload = pas.find((p) => p.selector);
      if (!workload) {
        actual = null;
      } else {
        const pod = { meta: { ...workload.meta, labels: workload.selector?.matchLabels ?? {} } };
        const levels = mtlsLevels(pod, pas, ROOT);
        const parentPa =
          levels.namespace && levels.namespace.mode !== 'UNSET'
            ? levels.namespace
            : levels.mesh && levels.mesh.mode !== 'UNSET'
              ? levels.mesh
              : undefined;
        const parent = { mode: (parentPa?.mode ?? 'PERMISSIVE') as 'STRICT' | 'PERMISSIVE' | 'DISABLE' };
        const raw = objects.find((o) => o.object.spec?.selector)!.object;
        actual = render(convertPeerAuthentication(workload, parent, ROOT), raw.metadata?.namespace !== undefined);
      }
    }
    expect(actual).toEqual(expected);
  });
});
