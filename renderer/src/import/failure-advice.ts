// What the import dialog says about a file it could not read: the file, the reason in the
// reader's words (without the path the decoders repeat in front), and a next step where one is
// known. The reasons are the import scan's and the decoders' messages (main/io/import-scan.ts,
// main/io/dicom/errors.ts, main/io/image-decode.ts).

export interface FailureAdvice {
  /** the file or folder, as given or found */
  path: string;
  reason: string;
  /** what to do about it; null where nothing better than "skip it" is known */
  next: string | null;
}

const STEPS: readonly [RegExp, string][] = [
  [/^no such file or folder/, 'Check the path: it must exist and be absolute.'],
  [/EACCES|EPERM|permission denied/i, 'Give your user read access to it, then import it again.'],
  [/^not a PNG, JPEG, DICOM or NIfTI file/, 'Not an image Delineate reads; convert it to PNG, DICOM or NIfTI if it is one.'],
  [/^the file is empty/, 'Copy the file again from where it came from.'],
  [/unsupported transfer syntax/, 'Decompress it (e.g. `dcmdjpeg in.dcm out.dcm` or `gdcmconv --raw in.dcm out.dcm`) and import the copy.'],
  [/truncated|ends early|ends before|is corrupt|unexpected end/i, 'The file looks cut short or damaged: copy it again from where it came from.'],
  [/ is not supported/, 'Save it again as a baseline 8-bit JPEG or as PNG and import that.'],
];

/** `reason` may start with "<path>: " (and "cannot decode image: "), as decoder messages do. */
export function failureAdvice(f: { path: string; reason: string }): FailureAdvice {
  let reason = f.reason;
  for (const prefix of [`${f.path}: cannot decode image: `, `${f.path}: `]) if (reason.startsWith(prefix)) reason = reason.slice(prefix.length);
  const step = STEPS.find(([re]) => re.test(reason));
  return { path: f.path, reason, next: step ? step[1] : null };
}

/** The failures a finished import job's result lists, read defensively (the result is untyped JSON). */
export function importFailures(result: unknown): { listed: FailureAdvice[]; total: number } {
  const r = (result ?? {}) as { failed?: unknown; failures?: unknown };
  const list = Array.isArray(r.failures) ? r.failures.filter((f): f is { path: string; reason: string } => !!f && typeof f.path === 'string' && typeof f.reason === 'string') : [];
  return { listed: list.map(failureAdvice), total: typeof r.failed === 'number' ? r.failed : list.length };
}
