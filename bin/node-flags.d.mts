// Types for node-flags.mjs (plain JavaScript: the command's entry runs before TypeScript is available).
export declare const V8_FLAGS: string[]
