// Types for `import { env, exports } from 'cloudflare:workers'` (what `wrangler types` would
// generate): the Worker's env and its main module.
import type { Bindings } from './src/config/index.ts';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
    interface GlobalProps {
      mainModule: typeof import('./src/index.ts');
    }
  }
}
export {};
