// Parsers for command-line values that several commands share; each throws commander's
// InvalidArgumentError, which it prints with the option's name.
import { InvalidArgumentError } from 'commander';
import type { Model } from '../model/model.js';
import type { EntitySetDef } from '../model/types.js';

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

const UNIT_MILLISECONDS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `15m`, `12h`, `400d`, `2w` as milliseconds. */
export function timeSpan(value: string): number {
  const match = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (match === null || Number(match[1]) === 0) throw new InvalidArgumentError('a positive number followed by s, m, h, d or w (for example 15m or 400d)');
  return Number(match[1]) * UNIT_MILLISECONDS[match[2]!]!;
}

/** A comma-separated list of entity set names (any case), resolved against the model. */
export function entitySets(model: Model, value: string): EntitySetDef[] {
  const sets: EntitySetDef[] = [];
  for (const name of value.split(',').map((n) => n.trim()).filter((n) => n !== '')) {
    const set = model.entitySet(name);
    if (set === undefined) throw new InvalidArgumentError(`no entity set named ${name}`);
    if (!sets.includes(set)) sets.push(set);
  }
  if (sets.length === 0) throw new InvalidArgumentError('name at least one entity set');
  return sets;
}
