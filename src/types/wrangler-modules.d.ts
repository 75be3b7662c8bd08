// Non-JS imports as wrangler's default module rules bundle them (the vitest pool applies the same
// rules): **/*.wasm as CompiledWasm, an already compiled module; **/*.txt as Text, the file's
// contents. A script file of its own because worker-configuration.d.ts is a module (`export {}`),
// where a wildcard `declare module` would be read as an invalid augmentation.
declare module '*.wasm' {
  const compiled: WebAssembly.Module;
  export default compiled;
}

declare module '*.txt' {
  const text: string;
  export default text;
}
