// oclif's explicit command strategy: one import per command, so a bundled binary finds them.
import Dump from './dump.js';
import Explain from './explain.js';
import Matrix from './matrix.js';
import Probes from './probes.js';

export const COMMANDS = { explain: Explain, probes: Probes, dump: Dump, matrix: Matrix };
