// Turning ApiResult errors (and transport failures) into something the UI can show: a title that
// says what kind of problem it is and the core's own message, which names what is wrong.

import type { ApiError, ApiErrorCode, ApiResult } from '../../../main/contract/contract.ts';

/** An ApiResult error as an exception, so a chain of calls can stop at the first one. */
export class ApiCallError extends Error {
  readonly code: ApiErrorCode;
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
  }
}

/** The value of a successful result; throws ApiCallError with the core's code and message otherwise. */
export function unwrap<T>(result: ApiResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiCallError(result.error);
}

const TITLES: Record<ApiErrorCode, string> = {
  'not-found': 'Not found',
  invalid: 'Not accepted',
  conflict: 'Conflict',
  'no-model': 'No usable model',
  source: 'Image source problem',
  unavailable: 'Not available',
  pacs: 'PACS problem',
  internal: 'Internal error',
};

/** Title and message for a failure of `action` (e.g. "Create project"). Never loses the original message. */
export function describeError(action: string | undefined, e: unknown): { title: string; message: string; code: ApiErrorCode | 'transport' } {
  const prefix = action ? `${action}: ` : '';
  if (e instanceof ApiCallError) return { title: `${prefix}${TITLES[e.code] ?? 'Error'}`, message: e.message, code: e.code };
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
  return { title: `${prefix}could not reach the Delineate core`, message: message || 'no details', code: 'transport' };
}
