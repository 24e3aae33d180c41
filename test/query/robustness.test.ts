// Bad input must get a clear 4xx, never a 500: a seeded grammar-aware mutation of real queries.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFleet, type Fleet } from '../support/fleet.js';

let fleet: Fleet;
before(async () => {
  fleet = await openFleet({ machines: 12, days: 2 });
});
after(async () => {
  await fleet?.close();
});

const bases = [
  'Machines?$orderby=Name&$top=10',
  'Machines?$filter=DesktopGroup eq null&$select=Name,Id',
  "Machines?$filter=contains(tolower(Name),'w10') and CurrentSessionCount ge 1",
  'Users?$filter=Sessions/any(s: s/LogOnDuration gt 600000)&$count=true',
  'ResourceUtilizationSummary?$filter=Granularity eq 60 and SummaryDate eq 2024-07-30T08:00:00Z and UptimeInMinutes gt 0&$expand=Machine($select=Name,AgentVersion),DesktopGroup($select=Name)',
  'ResourceUtilizationSummary?$filter=SummaryDate ge 2025-05-03&$orderby=AvgPercentCpu desc&$top=5',
  'Connections?$filter=Session/FailureDate ge 2024-07-24T00:00:00.000Z &$select=*,&$expand=Session($select=*;$expand=User($select=UPN,UserName),Failure($select=ConnectionFailureEnumValue,Category))',
  'ResourceUtilizationSummary?$apply=filter(Granularity eq 60 and UptimeInMinutes gt 0)/compute(100 mul AvgUsedMemory div AvgTotalMemory as P)/expand(DesktopGroup,filter(Name ne null))/groupby((DesktopGroup/Name,SummaryDate),aggregate(AvgPercentCpu with average as A, P with max as M))',
  'ResourceUtilizationSummary?$apply=groupby((MachineId),aggregate(cast(TotalSessionCount,Edm.Int64) with sum as S))/filter(S eq 0)&$count=true',
  'Sessions?$apply=groupby((ConnectionState), aggregate(SessionKey with countdistinct as N))&$orderby=N desc',
  'DesktopGroups?$expand=Machines($select=Name;$top=2;$orderby=Name desc;$count=true)',
  'ResourceUtilizationSummary(MachineId=00000000-0000-0000-0000-000000000001,Granularity=60,SummaryDate=2024-07-30T08:00:00Z)',
  'Machines(00000000-0000-0000-0000-000000000001)/Sessions?$select=SessionKey',
  'Sessions?$compute=year(StartDate) as Y&$filter=Y eq 2025 and round(LogOnDuration div 1000) in (1,2,3)',
  'Machines/$count?$filter=isof(Name, Edm.String) and cast(CurrentSessionCount, Edm.Int64) lt 5',
];

const fragments = ['(', ')', "'", ',', '/', ' eq ', ' and ', ' or ', ' not ', '$', '%', '%zz', '%2', 'null', '0', '-1', '9223372036854775808', '1e999', 'Name', 'any(', ':', ';', '=', '&', '$top=', '$filter=', 'cast(', 'Edm.Int16', '2024-13-45', '00000000-0000', "''", '\u00e9', '*', '@p', '+'];

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  switch (Math.floor(next() * 5)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + fragments[Math.floor(next() * fragments.length)] + text.slice(at);
    case 2:
      return text.slice(0, at);
    case 3:
      return text.slice(0, at) + text.slice(at, at + 1).repeat(2 + Math.floor(next() * 3)) + text.slice(at + 1);
    default: {
      const to = Math.floor(next() * (text.length + 1));
      return text.slice(0, Math.min(at, to)) + fragments[Math.floor(next() * fragments.length)] + text.slice(Math.max(at, to));
    }
  }
}

function encode(text: string): string {
  // Keep what the mutation wrote, but make the URL transmissible: spaces, quotes and non-ASCII encoded.
  return text.replace(/[ "'<>\\^`{|}\u0080-\uffff#]/g, (c) => encodeURIComponent(c));
}

// A longer search: MUTATIONS=50000 MUTATION_SEED=7 node --import tsx --test test/query/robustness.test.ts
const count = Number(process.env.MUTATIONS ?? 3000);
const seed = Number(process.env.MUTATION_SEED ?? 20261123);

test(`${count} mutated queries: no 5xx, every error an OData error with a message`, async () => {
  const next = random(seed);
  const failures: string[] = [];
  let errors = 0;
  for (let i = 0; i < count; i++) {
    let text = bases[i % bases.length]!;
    const rounds = 1 + Math.floor(next() * 3);
    for (let r = 0; r < rounds; r++) text = mutate(text, next);
    const url = `/monitorodata/${encode(text)}`;
    const response = await fleet.app.inject({ method: 'GET', url });
    if (response.statusCode >= 500) failures.push(`${response.statusCode} ${url} ${response.body.slice(0, 200)}`);
    else if (response.statusCode >= 400) {
      errors++;
      const body = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
      if (typeof body.error?.message !== 'string' || body.error.message.length === 0 || typeof body.error.code !== 'string') {
        failures.push(`no OData error body: ${response.statusCode} ${url} ${response.body.slice(0, 200)}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(errors > count / 6, `mutations should mostly be invalid, got ${errors} errors`);
});
