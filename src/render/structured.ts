// -o json and -o yaml: the same content, a stable contract (README "JSON contract").
import { stringify } from 'yaml';

export function renderJson(report: unknown): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function renderYaml(report: unknown): string {
  return stringify(report, { lineWidth: 0 });
}
