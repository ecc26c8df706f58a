// Dates between the date inputs (YYYY-MM-DD) and DICOM (YYYYMMDD, ranges "A-B" with open ends).

/** A QIDO StudyDate value from two optional input dates; undefined when both are empty. */
export function dicomDateRange(from: string, to: string): string | undefined {
  const d = (v: string) => v.replaceAll('-', '');
  if (!from && !to) return undefined;
  if (from && to && from === to) return d(from);
  return `${d(from)}-${d(to)}`;
}

/** YYYYMMDD as YYYY-MM-DD for display; anything else as it is ('' stays ''). */
export function showDicomDate(v: string): string {
  return /^\d{8}$/.test(v) ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}` : v;
}

/** DICOM PN "Family^Given^Middle" as "Family, Given Middle". */
export function showPersonName(v: string): string {
  const [family = '', given = '', middle = ''] = v.split('^');
  const rest = [given, middle].filter(Boolean).join(' ');
  return family && rest ? `${family}, ${rest}` : family || rest;
}
