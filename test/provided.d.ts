// Values the globalSetup provides to every test (vitest `inject`).
declare module 'vitest' {
  export interface ProvidedContext {
    stack: { url: string; token: string; backends: { db: string; redis: string } };
  }
}
export {};
