// Orders strings by UTF-16 code units, as kubectl and istiod (Go string comparison) do.
// localeCompare would make output order depend on the user's locale and on the JavaScript
// engine's collation tables, and json/yaml output is a stable contract.
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
