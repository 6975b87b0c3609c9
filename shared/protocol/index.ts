export * from "./frames.ts";
export * from "./http.ts";
export * from "./ids.ts";
export * from "./limits.ts";
