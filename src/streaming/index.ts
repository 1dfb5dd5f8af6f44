export { type NdjsonOptions, ndjson } from "./ndjson.js";
export { type SseEvent, type SseOpener, type SseOptions, sse } from "./sse.js";
