// Percent-decoding of query components and path segments. Done here, once, so that spans refer
// to the text the parsers actually see, and so that a malformed escape is a 400 with a position
// instead of the URIError that decodeURIComponent throws.
import { syntaxError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hexValue(c: string | undefined): number {
  if (c === undefined) return -1;
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * Decodes `%XX` escapes (UTF-8). With `plusAsSpace`, `+` is a space first, as in HTML form
 * encoding, which is how ASP.NET reads query strings; in paths `+` stays a plus.
 */
export function percentDecode(raw: string, options: { readonly plusAsSpace: boolean }): string {
  const spaced = options.plusAsSpace ? raw.replaceAll('+', ' ') : raw;
  if (!spaced.includes('%')) return spaced;
  let result = '';
  let i = 0;
  while (i < spaced.length) {
    const percent = spaced.indexOf('%', i);
    if (percent < 0) {
      result += spaced.slice(i);
      break;
    }
    result += spaced.slice(i, percent);
    // A run of escapes is decoded together: one character may take several UTF-8 bytes.
    const bytes: number[] = [];
    let j = percent;
    while (spaced[j] === '%') {
      const high = hexValue(spaced[j + 1]);
      const low = hexValue(spaced[j + 2]);
      if (high < 0 || low < 0) {
        throw syntaxError(
          `Malformed percent-encoding '${spaced.slice(j, j + 3)}' at position ${j} in '${raw}'.`,
          { start: j, end: Math.min(j + 3, spaced.length) },
        );
      }
      bytes.push(high * 16 + low);
      j += 3;
    }
    try {
      result += utf8.decode(new Uint8Array(bytes));
    } catch {
      throw syntaxError(`Percent-encoded bytes at position ${percent} in '${raw}' are not valid UTF-8.`, {
        start: percent,
        end: j,
      });
    }
    i = j;
  }
  return result;
}
