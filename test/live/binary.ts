// Where the test API server binary is, and why the live tests would have to be skipped.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const TESTENV_BIN = join(import.meta.dirname, '..', '..', '.testenv', 'bin', 'k8s-testenv');

export function liveSkipReason(): string {
  if (existsSync(TESTENV_BIN)) return '';
  return `${TESTENV_BIN} is not built (needs Go; run scripts/testenv-build.sh, which .ci/run always does)`;
}
