import { asDocument } from '../diagnose/report.js';
import { checkTemplate } from '../render/templates.js';
import { Command, Flags } from '@oclif/core';
import { commonFlags, emit, fail, loadSnapshot, outputFlag, textOptions } from '../cli/common.js';
import { MATRIX_MAX_CELLS, matrix, matrixStream, type MatrixQuery } from '../diagnose/matrix/matrix.js';
import { renderMatrixDot, renderMatrixText } from '../render/matrix.js';
import { ChunkedWriter, writeJsonLines, writeMatrixJson } from '../render/structured.js';
import { EXIT_CANNOT_READ } from '../errors.js';

export default class Matrix extends Command {
  static override summary =
    'Reachability among all workloads of the chosen namespaces, cell by cell as explain decides it';
  static override examples = [
    '<%= config.bin %> matrix -n hello -n test --port 5000 -f cluster.yaml',
    '<%= config.bin %> matrix -A --service-ports -o dot -f cluster.yaml | dot -Tsvg > reach.svg',
  ];
  static override flags = {
    ...commonFlags,
    namespace: Flags.string({
      char: 'n',
      multiple: true,
      multipleNonGreedy: true,
      description: 'namespace (repeatable)',
    }),
    output: outputFlag(
      ['text', 'wide', 'json', 'jsonl', 'yaml', 'dot'],
      'output format (wide: the table even when wider than the terminal; jsonl: one cell per line)',
    ),
    port: Flags.integer({ description: 'the destination port for every cell' }),
    'max-cells': Flags.integer({
      min: 1,
      description: `refuse a matrix of more workload pairs (default ${MATRIX_MAX_CELLS.inMemory.toLocaleString(
        'en-US',
      )}; ${MATRIX_MAX_CELLS.streamed.toLocaleString('en-US')} for -o json and jsonl, which stream)`,
    }),
    'service-ports': Flags.boolean({ description: "each destination's Service target ports" }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Matrix);
    try {
      await checkTemplate(flags.output, flags.template);
      const namespaces = flags['all-namespaces'] || !flags.namespace?.length ? 'all' : flags.namespace;
      const { snapshot } = await loadSnapshot({ ...flags, namespace: undefined }, () => ({
        kind: 'matrix',
        namespaces,
      }));
      const streamed = flags.output === 'json' || flags.output === 'jsonl';
      const query: MatrixQuery = {
        namespaces,
        port: flags.port,
        servicePorts: flags['service-ports'],
        streamed,
        maxCells: flags['max-cells'] ?? (streamed ? MATRIX_MAX_CELLS.streamed : MATRIX_MAX_CELLS.inMemory),
      };
      let unknown = false;
      if (flags.output === 'json' || flags.output === 'jsonl') {
        // Streamed: each cell is written as it is decided.
        const { header, cells } = matrixStream(snapshot, query);
        const noting = function* () {
          for (const c of cells) {
            if (c.outcome === 'unknown') unknown = true;
            yield c;
          }
        };
        const out = new ChunkedWriter(process.stdout);
        if (flags.output === 'json') await writeMatrixJson(asDocument('MatrixReport', header), noting(), out);
        else await writeJsonLines(noting(), out);
      } else {
        const report = matrix(snapshot, query);
        unknown = report.cells.some((c) => c.outcome === 'unknown');
        await emit(flags, 'MatrixReport', report, (safe) => renderMatrixText(safe, textOptions(flags)), {
          dot: (safe) => renderMatrixDot(safe),
        });
      }
      // 2 when a cell cannot be decided (RBAC gaps, facts the input lacks), as for explain.
      process.exitCode = unknown ? EXIT_CANNOT_READ : 0;
    } catch (err) {
      process.exitCode = fail(err);
    }
  }
}
