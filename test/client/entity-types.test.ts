// The client's entity types are generated from the model; the checked-in file may never differ
// from what the generator writes now.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLIENT_TYPES_FILE, clientTypesSource } from '../../scripts/generate-client-types.js';
import { entitySetNames } from '../../src/client/entity-types.js';
import { monitorModel } from '../../src/model/model.js';

test('src/client/entity-types.ts is what scripts/generate-client-types.ts writes from the model', () => {
  const expected = clientTypesSource(monitorModel);
  assert.ok(
    readFileSync(CLIENT_TYPES_FILE, 'utf8') === expected,
    'src/client/entity-types.ts is out of date: run `node --import tsx scripts/generate-client-types.ts`',
  );
});

test('every entity set and every property of the model has its type', () => {
  assert.deepEqual([...entitySetNames].sort(), monitorModel.sets.map((s) => s.name).sort());
  const source = clientTypesSource(monitorModel);
  assert.match(source, /export interface Machine \{\n  Id: string;\n  Sid: string \| null;/);
  assert.match(source, /export interface MachineNavigations \{[^}]*\n  Sessions: Session\[\];/);
  assert.match(source, /\n  ResourceUtilization: ResourceUtilization;\n/);
  for (const type of monitorModel.types.values()) {
    for (const p of type.properties) assert.ok(source.includes(`\n  ${p.name}: `), `${type.name}.${p.name}`);
  }
});
