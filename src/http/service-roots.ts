/** The two URL forms of the service: Citrix Cloud's gateway path and the on-premises Delivery Controller path. */
export const SERVICE_ROOTS = ['/monitorodata', '/Citrix/Monitor/OData/v4/Data'] as const;

/** Splits a request path into the service root it starts with (matched case-insensitively) and the rest. */
export function matchServiceRoot(path: string): { root: string; rest: string } | undefined {
  const lower = path.toLowerCase();
  for (const root of SERVICE_ROOTS) {
    const r = root.toLowerCase();
    if (lower === r || lower.startsWith(`${r}/`)) return { root: path.slice(0, root.length), rest: path.slice(root.length + 1) };
  }
  return undefined;
}
