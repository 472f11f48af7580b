/**
 * `{ ...defaults, ...partial }` except that a key set to `undefined` keeps its
 * default: `{ maxBytes: undefined }` must not lift a limit, nor
 * `{ redactKeys: undefined }` turn redaction off.
 */
export function withDefaults<T extends object>(defaults: T, partial: Partial<T> | undefined): T {
  const out = { ...defaults };
  if (partial) {
    for (const key of Object.keys(partial) as (keyof T)[]) {
      const v = partial[key];
      if (v !== undefined) out[key] = v as T[keyof T];
    }
  }
  return out;
}
