/**
 * The detections API's errors, in the shapes of the original FastAPI backend: a refusal carries a
 * `detail` text (its Spanish texts where the original has them), a validation failure (422) the
 * list of pydantic-style issues, every one of them at once.
 */
import { PimeshError } from '../../errors.js';

/** One problem with a request, as FastAPI lists it: `{"type","loc","msg","input","ctx"?}`. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** 422 `{"detail": [issues]}`. */
export class ValidationError extends PimeshError {
  readonly detail: ValidationIssue[];

  constructor(issues: ValidationIssue[]) {
    super(issues.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; '), {
      code: 'ERR_VALIDATION',
      status: 422,
    });
    this.detail = issues;
  }
}

/** 404 `{"detail":"Device no encontrado"}`, the original's text. */
export class DeviceNotFoundError extends PimeshError {
  readonly deviceId: string;

  constructor(deviceId: string) {
    super('Device no encontrado', { code: 'ERR_DEVICE_NOT_FOUND', status: 404 });
    this.deviceId = deviceId;
  }
}

/** The store is not open (before start, after stop, detections off): 503. */
export class DetectionsUnavailableError extends PimeshError {
  constructor(reason: string) {
    super(`detections unavailable: ${reason}`, { code: 'ERR_DETECTIONS_UNAVAILABLE', status: 503 });
  }
}

/** The database refused or failed (PostgreSQL down, disk full): 503, the node itself is fine. */
export class DetectionsStoreError extends PimeshError {
  constructor(message: string, cause: unknown) {
    super(`detections store: ${message}`, { code: 'ERR_DETECTIONS_STORE', status: 503, cause });
  }
}

/** What an issue shows of the input: values as they are, long texts cut, objects and lists left out. */
function shown(input: unknown): unknown {
  if (typeof input === 'string') return input.length > 200 ? `${input.slice(0, 200)}...` : input;
  if (input === undefined || typeof input === 'object') return null;
  return input;
}

const issue = (
  type: string,
  loc: (string | number)[],
  msg: string,
  input: unknown,
  ctx?: Record<string, unknown>,
): ValidationIssue =>
  ctx ? { type, loc, msg, input: shown(input), ctx } : { type, loc, msg, input: shown(input) };

/** pydantic v2's issues, by name. */
export const issues = {
  missing: (loc: (string | number)[], input: unknown = null) =>
    issue('missing', loc, 'Field required', input),
  string: (loc: (string | number)[], input: unknown) =>
    issue('string_type', loc, 'Input should be a valid string', input),
  list: (loc: (string | number)[], input: unknown) =>
    issue('list_type', loc, 'Input should be a valid list', input),
  dict: (loc: (string | number)[], input: unknown) =>
    issue('dict_type', loc, 'Input should be a valid dictionary', input),
  model: (loc: (string | number)[], input: unknown) =>
    issue(
      'model_attributes_type',
      loc,
      'Input should be a valid dictionary or object to extract fields from',
      input,
    ),
  int: (loc: (string | number)[], input: unknown) =>
    typeof input === 'string'
      ? issue(
          'int_parsing',
          loc,
          'Input should be a valid integer, unable to parse string as an integer',
          input,
        )
      : issue('int_type', loc, 'Input should be a valid integer', input),
  ge: (loc: (string | number)[], input: unknown, ge: number) =>
    issue('greater_than_equal', loc, `Input should be greater than or equal to ${ge}`, input, { ge }),
  le: (loc: (string | number)[], input: unknown, le: number) =>
    issue('less_than_equal', loc, `Input should be less than or equal to ${le}`, input, { le }),
  tooShort: (loc: (string | number)[], input: unknown, min: number) =>
    issue(
      'string_too_short',
      loc,
      `String should have at least ${min} character${min === 1 ? '' : 's'}`,
      input,
      { min_length: min },
    ),
  tooLong: (loc: (string | number)[], input: unknown, max: number) =>
    issue('string_too_long', loc, `String should have at most ${max} characters`, input, { max_length: max }),
  tooMany: (loc: (string | number)[], max: number, actual: number) =>
    issue('too_long', loc, `List should have at most ${max} items after validation, not ${actual}`, null, {
      field_type: 'List',
      max_length: max,
      actual_length: actual,
    }),
  pattern: (loc: (string | number)[], input: unknown, pattern: string) =>
    issue('string_pattern_mismatch', loc, `String should match pattern '${pattern}'`, input, { pattern }),
  literal: (loc: (string | number)[], input: unknown, allowed: readonly string[]) => {
    const names = allowed.map((a) => `'${a}'`);
    const expected = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names[0];
    return issue('literal_error', loc, `Input should be ${expected}`, input, { expected });
  },
  bool: (loc: (string | number)[], input: unknown) =>
    issue('bool_parsing', loc, 'Input should be a valid boolean, unable to interpret input', input),
  date: (loc: (string | number)[], input: unknown) =>
    issue(
      'date_from_datetime_parsing',
      loc,
      'Input should be a valid date or datetime, invalid date format',
      input,
      { error: 'invalid date format' },
    ),
  datetime: (loc: (string | number)[], input: unknown) =>
    issue(
      'datetime_from_date_parsing',
      loc,
      'Input should be a valid datetime or date, invalid format',
      input,
      {
        error: 'invalid format',
      },
    ),
  json: (position: number, error: string) =>
    issue('json_invalid', ['body', position], 'JSON decode error', {}, { error }),
};
