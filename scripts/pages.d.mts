// Types for scripts/pages.mjs, which Node runs as plain JavaScript.
export declare function collectPages(root: string): Record<string, string>;
