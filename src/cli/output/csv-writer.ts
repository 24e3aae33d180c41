// RFC 4180 text: fields separated by `,`, records ended by CRLF, a field quoted (and its quotes
// doubled) when it holds a quote, a comma or a line break.

/** One cell: null as empty, strings as they are, objects and arrays (from `$expand`) as JSON text. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRecord(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
