// The one Node API the Worker uses: AsyncLocalStorage, which workerd provides under the
// `nodejs_als` compatibility flag (wrangler.toml) without the rest of Node's compatibility
// layer. Declared here rather than pulling @types/node, whose globals would leak into the
// Worker's types. A script file, like wrangler-modules.d.ts, so this is a declaration.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
