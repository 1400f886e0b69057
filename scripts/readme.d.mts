// Types for scripts/readme.mjs, which Node runs as plain JavaScript.
export declare function readmeBlocks(text?: string): { args: string; shown: string; actual: string }[];
