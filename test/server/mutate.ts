/** Deterministic mutations of YAML text for the fuzz tests. */
/** Small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TYPED = 'aZ9:_ -"\\\'#';
const PIECES = [':', ': ', '-', '- ', ' ', '  ', '\n', '\r\n', '"', "'", '#', ' #', '{', '}', '[', ']', ',', '&a ', '*a', '!!str ', '|', '>', '\t', '%', '?', '${env:X}', '${name}', 'x', 'key', '0', '1.5', 'null', 'true', '~', '\\', '\\u00e9', '---', '...', 'é', '\u0000', '€', '0x1F', '.inf', '-1', 'runtime: ', 'memorySize: 129', 'handler: a.b'];

export function mutate(text: string, r: () => number): string {
  let t = text;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(r() * (t.length + 1));
    const op = Math.floor(r() * 7);
    const lines = t.split('\n');
    const li = Math.floor(r() * lines.length);
    switch (op) {
      case 0:
        t = t.slice(0, pos) + t.slice(pos + 1 + Math.floor(r() * 8));
        break;
      case 1:
      case 2:
        t = t.slice(0, pos) + PIECES[Math.floor(r() * PIECES.length)] + t.slice(pos);
        break;
      case 3:
        lines.splice(li, 0, lines[li] ?? '');
        t = lines.join('\n');
        break;
      case 4:
        lines[li] = (r() < 0.5 ? ' ' : '   ') + (lines[li] ?? '');
        t = lines.join('\n');
        break;
      case 5:
        lines[li] = (lines[li] ?? '').replace(/^ {1,2}/, '');
        t = lines.join('\n');
        break;
      default:
        t = t.slice(0, pos);
    }
  }
  return t;
}
