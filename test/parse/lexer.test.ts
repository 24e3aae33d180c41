// The lexer on its own: token kinds and spans, look-ahead, snapshot/restore, windows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpressionLexer, isKeyword, type Token } from '../../src/odata/parse/lexer.js';

function tokens(text: string): string[] {
  const lexer = new ExpressionLexer(text);
  const out: string[] = [];
  for (let token: Token = lexer.current; token.kind !== 'end'; token = lexer.advance()) {
    out.push(token.kind === 'literal' ? `${token.literal.type}:${token.text}` : `${token.kind}:${token.text}`);
  }
  return out;
}

describe('ExpressionLexer', () => {
  it('splits an expression into identifiers, literals and punctuation', () => {
    assert.deepEqual(tokens("Sessions/any(s: s/StartDate ge 2024-07-30T08:00Z) and Name eq 'x'"), [
      'identifier:Sessions',
      'slash:/',
      'identifier:any',
      'openParen:(',
      'identifier:s',
      'colon::',
      'identifier:s',
      'slash:/',
      'identifier:StartDate',
      'identifier:ge',
      'dateTimeOffset:2024-07-30T08:00Z',
      'closeParen:)',
      'identifier:and',
      'identifier:Name',
      'identifier:eq',
      "string:'x'",
    ]);
  });

  it('reads dotted names, $-names, signs and keywords', () => {
    assert.deepEqual(tokens('Edm.Int32 $it $count Model.* -A -5 +5 + * ; = ,'), [
      'identifier:Edm.Int32',
      'identifier:$it',
      'identifier:$count',
      'identifier:Model.*',
      'minus:-',
      'identifier:A',
      'integer:-5',
      'integer:+5',
      'plus:+',
      'star:*',
      'semicolon:;',
      'equals:=',
      'comma:,',
    ]);
    assert.deepEqual(tokens('TRUE null -INF NaN 2025-05-03 13:20 5m 1e3'), [
      'boolean:TRUE',
      'null:null',
      'double:-INF',
      'double:NaN',
      'date:2025-05-03',
      'timeOfDay:13:20',
      'decimal:5m',
      'double:1e3',
    ]);
  });

  it('spans every token, and the end token sits at the end', () => {
    const lexer = new ExpressionLexer('  Name  eq 1 ');
    assert.deepEqual(lexer.current.span, { start: 2, end: 6 });
    lexer.advance();
    assert.deepEqual(lexer.current.span, { start: 8, end: 10 });
    lexer.advance();
    lexer.advance();
    assert.equal(lexer.current.kind, 'end');
    assert.deepEqual(lexer.current.span, { start: 13, end: 13 });
  });

  it('peeks without moving and restores a snapshot', () => {
    const lexer = new ExpressionLexer('a b c');
    assert.equal(lexer.peek().text, 'b');
    assert.equal(lexer.current.text, 'a');
    const saved = lexer.snapshot();
    lexer.advance();
    lexer.advance();
    assert.equal(lexer.current.text, 'c');
    lexer.restore(saved);
    assert.equal(lexer.current.text, 'a');
    assert.equal(lexer.advance().text, 'b');
  });

  it('lexes a window of a text with spans into the whole text', () => {
    const lexer = new ExpressionLexer('xx(Name)yy', 3, 7);
    assert.equal(lexer.current.text, 'Name');
    assert.deepEqual(lexer.current.span, { start: 3, end: 7 });
    assert.equal(lexer.advance().kind, 'end');
  });

  it('matches keywords case-insensitively', () => {
    const lexer = new ExpressionLexer('AnD');
    assert.ok(isKeyword(lexer.current, 'and'));
    assert.ok(!isKeyword(lexer.current, 'or'));
  });
});
