// np-guard's NetworkPolicy/ANP/BANP corpus (../shared/conformance/netpol, used as it is),
// through scripts/netpol-conformance.mjs, which documents the comparison's adaptations.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SHARED = process.env.AMBIENT_DOCTOR_SHARED ?? join(ROOT, '..', 'shared');
const AVAILABLE = existsSync(join(SHARED, 'conformance', 'netpol', 'cases'));
if (!AVAILABLE) {
  if (process.env.CI) throw new Error(`netpol corpus not found under ${SHARED}`);
  console.warn(`skipping the np-guard corpus: ${SHARED}/conformance/netpol not found (set AMBIENT_DOCTOR_SHARED)`);
}

describe.skipIf(!AVAILABLE)('np-guard NetworkPolicy corpus (skipped without ../shared, see above)', () => {
  it('passes all 67 cases', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'netpol-conformance.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, AMBIENT_DOCTOR_SHARED: SHARED },
    });
    console.log(r.stdout.trim());
    expect(r.stdout).toContain('netpol conformance: 67 passed, 0 failed');
    expect(r.status).toBe(0);
  });
});
