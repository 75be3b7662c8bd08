// Lets a Node tool import the Worker's own domain code (src/auth/user-admin.ts and what it
// imports) instead of a copy of it: wrangler bundles **/*.txt as Text (the common-password
// list) and **/*.wasm as CompiledWasm (argon2), and Node loads neither. This hook (a data: URL,
// no extra file) serves them the same way: a string, and a compiled WebAssembly.Module.
import { register } from 'node:module';

const WORKER_MODULES_HOOK = `import { readFile } from 'node:fs/promises';
export async function load(url, context, next) {
  if (!url.startsWith('file:')) return next(url, context);
  if (url.endsWith('.txt')) {
    const text = await readFile(new URL(url), 'utf8');
    return { format: 'module', source: 'export default ' + JSON.stringify(text), shortCircuit: true };
  }
  if (url.endsWith('.wasm')) {
    const source = 'import { readFileSync } from "node:fs";' +
      'export default new WebAssembly.Module(readFileSync(new URL(' + JSON.stringify(url) + ')));';
    return { format: 'module', source, shortCircuit: true };
  }
  return next(url, context);
}`;

let registered = false;

/** Registers the hook (once); import Worker modules dynamically after it. */
export function registerWorkerModules(): void {
  if (registered) return;
  register(`data:text/javascript,${encodeURIComponent(WORKER_MODULES_HOOK)}`);
  registered = true;
}
