// Cycles among the nodes a topological sort could not place: Tarjan's strongly connected components,
// then one closed path through each component for the message. Both iterative (explicit stacks), so a
// cycle as long as the largest model file (10,000 nodes) cannot overflow the call stack.

/** A loop of data flow: `path` starts and ends at `head`; `size` counts every node tangled in the loop. */
export interface Cycle {
  head: string
  path: string[]
  size: number
}

/**
 * One Cycle per strongly connected component of `nodes` that really loops (two or more nodes, or one with
 * an edge to itself), in the order of `nodes`. `nodes` are the ones Kahn's algorithm left: every node on
 * a cycle is among them, along with the nodes downstream of one (those form no component of their own).
 */
export function findCycles(nodes: string[], outgoing: Map<string, string[]>): Cycle[] {
  const inSet = new Set(nodes)
  const succ = (id: string): string[] => outgoing.get(id)!.filter((n) => inSet.has(n))
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const components: string[][] = []
  let next = 0
  for (const root of nodes) {
    if (index.has(root)) continue
    // Each frame: a node and how far through its successors the walk has got.
    const frames: { id: string; out: string[]; at: number }[] = []
    const open = (id: string) => {
      index.set(id, next)
      low.set(id, next)
      next++
      stack.push(id)
      onStack.add(id)
      frames.push({ id, out: succ(id), at: 0 })
    }
    open(root)
    while (frames.length) {
      const f = frames[frames.length - 1]
      if (f.at < f.out.length) {
        const w = f.out[f.at++]
        if (!index.has(w)) open(w)
        else if (onStack.has(w)) low.set(f.id, Math.min(low.get(f.id)!, index.get(w)!))
        continue
      }
      frames.pop()
      if (frames.length) {
        const parent = frames[frames.length - 1].id
        low.set(parent, Math.min(low.get(parent)!, low.get(f.id)!))
      }
      if (low.get(f.id) !== index.get(f.id)) continue
      const comp: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        comp.push(w)
      } while (w !== f.id)
      components.push(comp)
    }
  }

  const order = new Map(nodes.map((id, i) => [id, i]))
  const cycles: Cycle[] = []
  for (const comp of components) {
    const head = comp.reduce((a, b) => (order.get(a)! <= order.get(b)! ? a : b))
    if (comp.length === 1 && !outgoing.get(head)!.includes(head)) continue // a node downstream of a cycle
    cycles.push({ head, path: loopThrough(head, new Set(comp), outgoing), size: comp.length })
  }
  return cycles.sort((a, b) => order.get(a.head)! - order.get(b.head)!)
}

/** The shortest closed path from `head` back to itself inside its component (breadth-first). */
function loopThrough(head: string, comp: Set<string>, outgoing: Map<string, string[]>): string[] {
  if (outgoing.get(head)!.includes(head)) return [head, head]
  const from = new Map<string, string>()
  const queue = [head]
  for (let q = 0; q < queue.length; q++) {
    const id = queue[q]
    for (const to of outgoing.get(id)!) {
      if (!comp.has(to) || from.has(to)) continue
      from.set(to, id)
      if (to === head) {
        const back: string[] = []
        for (let at = id; at !== head; at = from.get(at)!) back.push(at)
        return [head, ...back.reverse(), head]
      }
      queue.push(to)
    }
  }
  return [head, head] // unreachable for a strongly connected component
}

/** `a -> b -> ... -> a`, with the middle of a very long loop elided so the message stays readable. */
export function describeCycle(path: string[], keep = 12): string {
  if (path.length <= keep + 1) return path.join(' -> ')
  const half = Math.floor(keep / 2)
  const hidden = path.length - 2 * half
  return [...path.slice(0, half), `... (${hidden.toLocaleString('en-US')} more) ...`, ...path.slice(-half)].join(' -> ')
}
