// Colour only where it helps, only on a TTY, and never when NO_COLOR is set (kubectl habits).
import { styleText } from 'node:util';

export type ColorMode = 'auto' | 'always' | 'never';

export function useColor(mode: ColorMode, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return !!stream.isTTY;
}

type Format = Parameters<typeof styleText>[0];
// Node 20's types do not know styleText's options yet; Node 20 itself ignores them.
const styleTextUnchecked = styleText as (format: Format, text: string, options: { validateStream: boolean }) => string;

export interface Style {
  enabled: boolean;
  (format: Format, text: string): string;
}

export function makeStyle(enabled: boolean): Style {
  // useColor has decided: newer runtimes' styleText (Bun, Node ≥ 22) would otherwise check the
  // stream again and, with CI set in the environment, drop the colour --color always asked for.
  const fn = ((format: Format, text: string) =>
    enabled ? styleTextUnchecked(format, text, { validateStream: false }) : text) as Style;
  fn.enabled = enabled;
  return fn;
}
