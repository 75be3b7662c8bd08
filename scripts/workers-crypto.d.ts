// npm run user loads the Worker's src/auth/passwords.ts (to hash exactly as the Worker does),
// and that module also verifies passwords with Workers' crypto.subtle.timingSafeEqual, which
// Node's SubtleCrypto lacks. The tools only hash, never verify: this declares the Workers
// method for the Node typecheck; calling it from Node would throw.
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}
