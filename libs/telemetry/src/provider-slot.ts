// The process-wide slot holding the tracer provider that register.ts installed, shared across bundles.
/** What flushTelemetry needs from the registered provider. */
export interface FlushableProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

// register.js and the app are bundled separately, so a module-level variable would not be shared between them;
// a registry-wide symbol on globalThis is (the same trick @opentelemetry/api uses for its globals).
const SLOT = Symbol.for('recsys.telemetry.provider');

type Slot = { [SLOT]?: FlushableProvider };

/** Records the provider registered for this process (called by register.ts). */
export function setRegisteredProvider(provider: FlushableProvider | undefined): void {
  (globalThis as Slot)[SLOT] = provider;
}

/** The provider registered for this process, if any. */
export function registeredProvider(): FlushableProvider | undefined {
  return (globalThis as Slot)[SLOT];
}
