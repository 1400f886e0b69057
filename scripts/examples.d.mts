// Types for scripts/examples.mjs, which Node runs as plain JavaScript.
export declare function exampleCommands(): { file: string; args: string[] }[];
