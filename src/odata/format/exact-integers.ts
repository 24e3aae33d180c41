// JSON.stringify writes numbers as doubles and refuses bigints, but OData writes an Int64 as the
// exact integer. An integer a double cannot hold is therefore handed to JSON.stringify as a marked
// string, and the marks are taken out of the finished text. The mark holds a random nonce no
// response ever shows, so a string from the data cannot pass for one.
import { randomBytes } from 'node:crypto';

const NONCE = randomBytes(9).toString('base64url');
/** JSON.stringify writes the leading U+0000 as `\u0000`. */
const MARK = `\u0000${NONCE}:`;
const MARKED = new RegExp(`"\\\\u0000${NONCE}:(-?\\d+)"`, 'g');

export class ExactIntegers {
  private marked = false;

  /** A JSON number when a double holds the integer exactly, else its marked digits. */
  number(value: bigint): number | string {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
    this.marked = true;
    return MARK + value.toString();
  }

  /** The text with every marked integer written as a bare JSON number. */
  restore(json: string): string {
    return this.marked ? json.replace(MARKED, '$1') : json;
  }
}
