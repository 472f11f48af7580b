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
