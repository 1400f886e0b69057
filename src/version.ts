// The package version: baked into the compiled binary by scripts/package.mjs (bun --define),
// read from package.json next to dist/ (or src/) in the Node build.
import { createRequire } from 'node:module';

declare const AMBIENT_DOCTOR_PACKAGE: { version: string; homepage?: string } | undefined;

function packageJson(): { version: string; homepage: string } {
  if (typeof AMBIENT_DOCTOR_PACKAGE !== 'undefined') {
    return { version: AMBIENT_DOCTOR_PACKAGE.version, homepage: AMBIENT_DOCTOR_PACKAGE.homepage ?? '' };
  }
  return createRequire(import.meta.url)('../package.json') as { version: string; homepage: string };
}

const pkg = packageJson();
export const VERSION: string = pkg.version;
export const HOMEPAGE: string = pkg.homepage;

/** The page of a finding code in the documentation of this release (the tag in the URL). */
export function docsUrl(page: string): string {
  return `${HOMEPAGE}/blob/v${VERSION}/docs/${page}`;
}
