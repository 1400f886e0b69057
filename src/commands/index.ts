// oclif's explicit command strategy: one import per command, so a bundled binary finds them.
import Check from './check.js';
import Docs from './docs.js';
import Dump from './dump.js';
import Explain from './explain.js';
import Matrix from './matrix.js';
import Probes from './probes.js';
import Rbac from './rbac.js';
import Version from './version.js';
import Completion from './completion.js';

export const COMMANDS = {
  explain: Explain,
  probes: Probes,
  check: Check,
  matrix: Matrix,
  dump: Dump,
  rbac: Rbac,
  docs: Docs,
  version: Version,
  completion: Completion,
};
