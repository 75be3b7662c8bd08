// The pinned API reference bundle, imported through wrangler.toml's Data rule: its bytes, never
// evaluated by the worker (src/http/routes/docs-assets.ts). Wrangler and the vitest pool apply
// the same module rules.
declare module '*/@scalar/api-reference/dist/browser/standalone.js' {
  const bytes: ArrayBuffer;
  export default bytes;
}
