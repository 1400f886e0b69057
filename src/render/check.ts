// `check` output. Text: one line per finding as `istioctl analyze` prints them
// (`Error [AD301] (PeerAuthentication istio-system/default) message`), cut to the width so each can be
// grepped, grouped by area, the counts last. `-o wide` gives each message whole and adds the other
// objects, the explain command and the docs page under it.
// SARIF 2.1.0 for code-scanning UIs: one rule per code, one result per finding, located in the file
// the object came from (-f) or, live, by the object's name.
import { CHECK_GROUPS, type CheckReport } from '../diagnose/report.js';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FINDINGS } from '../findings/catalogue.js';
import { docsUrl, HOMEPAGE, VERSION } from '../version.js';
import { wrap } from './layout.js';
import type { TextOptions } from './text.js';

const LEVEL = { error: 'Error', warning: 'Warning', info: 'Info' } as const;

export function renderCheckText(r: CheckReport, o: TextOptions): string {
  const { style: s, width } = o;
  const out: string[] = [];
  const color = { error: 'red', warning: 'yellow', info: 'cyan' } as const;
  for (const group of CHECK_GROUPS) {
    const list = r.findings.filter((f) => f.group === group);
    if (list.length === 0) continue;
    out.push(s('bold', `${group} (${list.length})`));
    for (const f of list) {
      const object = f.objects[0] ? ` (${s('bold', f.objects[0])})` : '';
      const head = `${s(color[f.severity], LEVEL[f.severity])} [${f.code}]${object} `;
      if (!o.wide) {
        // The object is in the head already: a message that starts by naming it goes on from there.
        const named =
          f.objects[0] && f.detail.startsWith(`${f.objects[0]} `) ? f.detail.slice(f.objects[0].length + 1) : f.detail;
        out.push(oneLine(head, named, width));
        continue;
      }
      out.push(wrap(`${head}${f.detail}`, width, '', '    '));
      if (f.objects.length > 1) out.push(wrap(`also: ${f.objects.slice(1).join(', ')}`, width, '    '));
      if (f.explain) out.push(wrap(`explain: ${f.explain}`, width, '    '));
      out.push(`    docs: ${f.docs}`);
    }
    out.push('');
  }
  const { errors, warnings, info, suppressed } = r.summary;
  if (r.findings.length === 0) out.push(s('green', 'No problems found.'));
  const scope =
    r.scope.namespaces === 'all'
      ? 'all namespaces'
      : `namespace(s) ${r.scope.namespaces.join(', ')} and the connections of their workloads`;
  const hidden = suppressed ? `; ${suppressed} suppressed` : '';
  out.push(wrap(`${errors} error(s), ${warnings} warning(s), ${info} info in ${scope}${hidden}.`, width));
  if (!o.wide && r.findings.length > 0) out.push(s('gray', '-o wide: every message in full, with explain and docs.'));
  return out.join('\n');
}

/** A finding as one line cut to the width (styled head kept whole; the message cut with an ellipsis). */
function oneLine(head: string, detail: string, width: number): string {
  // eslint-disable-next-line no-control-regex
  const plain = head.replace(/\u001b\[[0-9;]*m/g, '');
  const message = detail.replace(/\s+/g, ' ');
  const room = width - plain.length;
  if (message.length <= room) return `${head}${message}`;
  // A long object name leaves no room: the line is still cut at the width, code and object first.
  if (room < 10) return `${plain}${message}`.slice(0, width - 1) + '…';
  return `${head}${message.slice(0, room - 1)}…`;
}

/**
 * SARIF's artifactLocation.uri is a URI reference (RFC 3986): an absolute path becomes a file: URI,
 * a relative one keeps its segments, each percent-encoded (a space, `#` or `%` in a name stays data).
 */
export function sarifUri(path: string): string {
  const slashed = path.replaceAll('\\', '/');
  if (isAbsolute(path) || /^[A-Za-z]:\//.test(slashed)) return pathToFileURL(path).href;
  return slashed.split('/').map(encodeURIComponent).join('/');
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/** The line an object starts on in the file it came from (files input), for SARIF regions. */
export type ObjectLine = (file: string, object: string) => number | undefined;

export function renderCheckSarif(r: CheckReport, lineOf: ObjectLine = () => undefined): unknown {
  const codes = [...new Set(r.findings.map((f) => f.code))].sort();
  const index = new Map(codes.map((c, i) => [c, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kubectl-ambient-doctor',
            version: VERSION,
            informationUri: HOMEPAGE,
            rules: codes.map((code) => {
              const def = FINDINGS[code];
              const f = r.findings.find((x) => x.code === code)!;
              return {
                id: code,
                shortDescription: { text: def.title },
                helpUri: f.docs,
                defaultConfiguration: { level: SARIF_LEVEL[def.severity] },
                // The sections of the specification shipped with the tool (docs/spec.md), not a bare `§`.
                properties: { specification: `${docsUrl('spec.md')} ${def.section}` },
              };
            }),
          },
        },
        results: r.findings.map((f) => {
          const object = f.objects[0];
          const file = object ? f.origins?.[object] : undefined;
          const line = file && object ? lineOf(file, object) : undefined;
          return {
            ruleId: f.code,
            ruleIndex: index.get(f.code),
            level: SARIF_LEVEL[f.severity],
            message: { text: f.detail },
            locations: [
              {
                ...(file && file !== 'stdin'
                  ? {
                      physicalLocation: {
                        artifactLocation: { uri: sarifUri(file) },
                        ...(line ? { region: { startLine: line } } : {}),
                      },
                    }
                  : {}),
                logicalLocations: f.objects.map((name) => ({ fullyQualifiedName: name, kind: 'resource' })),
              },
            ],
            partialFingerprints: { 'ambientDoctor/v1': `${f.code}:${object ?? ''}` },
          };
        }),
        properties: { suppressed: r.summary.suppressed },
      },
    ],
  };
}
