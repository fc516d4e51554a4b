/**
 * Global one-to-one assignment (seed figure 17C): among unlinked studies and reports, choose the pairs
 * that maximize the total score, so a report is never given to two studies. Works per connected
 * component of the candidate graph: exact (Hungarian) for small components, greedy for large ones.
 */

export interface Edge {
  scan: number;
  report: number;
  /** Non-negative value to maximize (log-odds shifted so that every kept edge is positive). */
  value: number;
}

export interface Assignment {
  scan: number;
  report: number;
  value: number;
  /** How much total value is lost if this pair is forbidden: small means another arrangement is as good. */
  margin: number;
}

const EXACT_LIMIT = 60;

/** Split edges into connected components (union-find over scan and report nodes). */
export function components(edges: readonly Edge[]): Edge[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let p = parent.get(x) ?? x;
    if (p !== x) {
      p = find(p);
      parent.set(x, p);
    }
    return p;
  };
  for (const e of edges) {
    const a = find(`s${e.scan}`);
    const b = find(`r${e.report}`);
    if (a !== b) parent.set(a, b);
  }
  const byRoot = new Map<string, Edge[]>();
  for (const e of edges) {
    const root = find(`s${e.scan}`);
    const list = byRoot.get(root);
    if (list) list.push(e);
    else byRoot.set(root, [e]);
  }
  return [...byRoot.values()];
}

/**
 * Maximum-weight assignment on a dense matrix (Hungarian algorithm, O(n^3)); absent edges are 0,
 * which is the same as leaving both sides unassigned.
 * @returns for each row, the assigned column or -1.
 */
export function hungarianMax(values: number[][], rows: number, cols: number): number[] {
  const n = Math.max(rows, cols);
  let max = 0;
  for (const row of values) for (const v of row) if (v > max) max = v;
  // Minimize cost = max - value on a square matrix (padding has value 0).
  const cost = (i: number, j: number): number => max - (i < rows && j < cols ? (values[i]?.[j] ?? 0) : 0);
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0] ?? 0;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost(i0 - 1, j - 1) - (u[i0] ?? 0) - (v[j] ?? 0);
        if (cur < (minv[j] ?? Infinity)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] ?? Infinity) < delta) {
          delta = minv[j] ?? Infinity;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j] ?? 0] = (u[p[j] ?? 0] ?? 0) + delta;
          v[j] = (v[j] ?? 0) - delta;
        } else {
          minv[j] = (minv[j] ?? 0) - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0] ?? 0;
      p[j0] = p[j1] ?? 0;
      j0 = j1;
    } while (j0 !== 0);
  }
  const result = new Array<number>(rows).fill(-1);
  for (let j = 1; j <= n; j++) {
    const i = (p[j] ?? 0) - 1;
    if (i >= 0 && i < rows && j - 1 < cols && (values[i]?.[j - 1] ?? 0) > 0) result[i] = j - 1;
  }
  return result;
}

function solveExact(edges: readonly Edge[], forbidden?: Edge): { pairs: Edge[]; total: number } {
  const scans = [...new Set(edges.map((e) => e.scan))];
  const reports = [...new Set(edges.map((e) => e.report))];
  const si = new Map(scans.map((s, i) => [s, i]));
  const ri = new Map(reports.map((r, i) => [r, i]));
  const values = scans.map(() => new Array<number>(reports.length).fill(0));
  const byCell = new Map<string, Edge>();
  for (const e of edges) {
    if (e === forbidden) continue;
    const i = si.get(e.scan) ?? 0;
    const j = ri.get(e.report) ?? 0;
    const row = values[i];
    if (row) row[j] = e.value;
    byCell.set(`${i},${j}`, e);
  }
  const cols = hungarianMax(values, scans.length, reports.length);
  const pairs: Edge[] = [];
  let total = 0;
  cols.forEach((j, i) => {
    const e = j >= 0 ? byCell.get(`${i},${j}`) : undefined;
    if (e) {
      pairs.push(e);
      total += e.value;
    }
  });
  return { pairs, total };
}

function solveGreedy(edges: readonly Edge[]): Edge[] {
  const sorted = [...edges].sort((a, b) => b.value - a.value || a.scan - b.scan || a.report - b.report);
  const usedS = new Set<number>();
  const usedR = new Set<number>();
  const pairs: Edge[] = [];
  for (const e of sorted) {
    if (usedS.has(e.scan) || usedR.has(e.report)) continue;
    usedS.add(e.scan);
    usedR.add(e.report);
    pairs.push(e);
  }
  return pairs;
}

/** Greedy margin: the pair's value minus the best competing edge on either side. */
function greedyMargin(e: Edge, edges: readonly Edge[]): number {
  let best = 0;
  for (const o of edges) if (o !== e && (o.scan === e.scan || o.report === e.report) && o.value > best) best = o.value;
  return e.value - best;
}

/** Assign one-to-one within each component, with a margin per chosen pair. */
export function assign(edges: readonly Edge[]): Assignment[] {
  const out: Assignment[] = [];
  for (const comp of components(edges)) {
    const nodes = new Set(comp.map((e) => `s${e.scan}`)).size + new Set(comp.map((e) => `r${e.report}`)).size;
    if (comp.length === 1) {
      const e = comp[0] as Edge;
      out.push({ scan: e.scan, report: e.report, value: e.value, margin: e.value });
    } else if (nodes <= EXACT_LIMIT) {
      const best = solveExact(comp);
      for (const e of best.pairs) {
        const without = solveExact(comp, e);
        out.push({ scan: e.scan, report: e.report, value: e.value, margin: best.total - without.total });
      }
    } else {
      for (const e of solveGreedy(comp)) out.push({ scan: e.scan, report: e.report, value: e.value, margin: greedyMargin(e, comp) });
    }
  }
  return out.sort((a, b) => a.scan - b.scan);
}
