export type TraceErrorCode =
  | 'INVALID_TYPE'
  | 'INVALID_DATA'
  | 'INVALID_OPTION'
  | 'HOOK_FAILED'
  | 'STORE_FAILED'
  | 'IMPORT_INVALID';

/** The one error type the trace agent throws (in strict mode) or reports. */
export class TraceError extends Error {
  readonly code: TraceErrorCode;
  constructor(code: TraceErrorCode, message: string) {
    super(message);
    this.name = 'TraceError';
    this.code = code;
  }
}

/** The message of anything thrown, never throwing itself. */
export function errorMessage(err: unknown): string {
  try {
    if (err instanceof Error) return err.message;
    return String(err);
  } catch {
    return 'unprintable error';
  }
}

/** `Name: message` of anything thrown (DOMExceptions say most in their name). */
export function describeError(err: unknown): string {
  try {
    if (err && typeof err === 'object' && 'name' in err && 'message' in err) return `${String(err.name)}: ${String(err.message)}`;
  } catch {
    /* fall through */
  }
  return errorMessage(err);
}
