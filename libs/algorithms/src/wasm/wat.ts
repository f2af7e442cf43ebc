// Assembles a small subset of the WebAssembly text format into a binary module, so SIMD kernels can be written
// as readable text in TypeScript sources and compiled at load time with no build step or dependency.

/** A value type of the subset. */
type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALTYPE: Readonly<Record<ValType, number>> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** How an instruction's immediates are written after its opcode. */
type Immediate = 'none' | 'local' | 'label' | 'block' | 'func' | 'i32' | 'f64' | 'memarg' | 'lane';

/** Opcode bytes (SIMD ones after the 0xfd prefix, as LEB128) and immediate kind; memarg ops carry their natural alignment (log2 bytes). */
interface OpInfo {
  readonly bytes: readonly number[];
  readonly imm: Immediate;
  readonly align?: number;
}

const plain = (code: number, imm: Immediate = 'none', align?: number): OpInfo => ({ bytes: [code], imm, align });
const simd = (code: number, imm: Immediate = 'none', align?: number): OpInfo => ({ bytes: [0xfd, ...uleb(code)], imm, align });

/** The instructions the assembler knows (numbers from the WebAssembly core and SIMD specifications). */
const OPS: Readonly<Record<string, OpInfo>> = {
  unreachable: plain(0x00),
  nop: plain(0x01),
  block: plain(0x02, 'block'),
  loop: plain(0x03, 'block'),
  if: plain(0x04, 'block'),
  else: plain(0x05),
  end: plain(0x0b),
  br: plain(0x0c, 'label'),
  br_if: plain(0x0d, 'label'),
  return: plain(0x0f),
  call: plain(0x10, 'func'),
  drop: plain(0x1a),
  select: plain(0x1b),
  'local.get': plain(0x20, 'local'),
  'local.set': plain(0x21, 'local'),
  'local.tee': plain(0x22, 'local'),
  'i32.load': plain(0x28, 'memarg', 2),
  'f32.load': plain(0x2a, 'memarg', 2),
  'f64.load': plain(0x2b, 'memarg', 3),
  'i32.store': plain(0x36, 'memarg', 2),
  'f32.store': plain(0x38, 'memarg', 2),
  'f64.store': plain(0x39, 'memarg', 3),
  'i32.const': plain(0x41, 'i32'),
  'f64.const': plain(0x44, 'f64'),
  'i32.eqz': plain(0x45),
  'i32.eq': plain(0x46),
  'i32.ne': plain(0x47),
  'i32.lt_s': plain(0x48),
  'i32.lt_u': plain(0x49),
  'i32.gt_s': plain(0x4a),
  'i32.gt_u': plain(0x4b),
  'i32.le_s': plain(0x4c),
  'i32.le_u': plain(0x4d),
  'i32.ge_s': plain(0x4e),
  'i32.ge_u': plain(0x4f),
  'f64.eq': plain(0x61),
  'f64.ne': plain(0x62),
  'f64.lt': plain(0x63),
  'f64.gt': plain(0x64),
  'f64.le': plain(0x65),
  'f64.ge': plain(0x66),
  'i32.add': plain(0x6a),
  'i32.sub': plain(0x6b),
  'i32.mul': plain(0x6c),
  'i32.and': plain(0x71),
  'i32.or': plain(0x72),
  'i32.shl': plain(0x74),
  'i32.shr_u': plain(0x76),
  'f64.neg': plain(0x9a),
  'f64.add': plain(0xa0),
  'f64.sub': plain(0xa1),
  'f64.mul': plain(0xa2),
  'f64.div': plain(0xa3),
  'f32.demote_f64': plain(0xb6),
  'f64.promote_f32': plain(0xbb),
  'v128.load': simd(0x00, 'memarg', 4),
  'v128.store': simd(0x0b, 'memarg', 4),
  'f64x2.splat': simd(0x14),
  'f64x2.extract_lane': simd(0x21, 'lane'),
  'v128.load64_zero': simd(0x5d, 'memarg', 3),
  'v128.store64_lane': simd(0x5b, 'memarg', 3),
  'f32x4.demote_f64x2_zero': simd(0x5e),
  'f64x2.promote_low_f32x4': simd(0x5f),
  'f64x2.neg': simd(0xed),
  'f64x2.add': simd(0xf0),
  'f64x2.sub': simd(0xf1),
  'f64x2.mul': simd(0xf2),
};

/** The memory-lane store takes a lane index after its memarg. */
const LANE_AFTER_MEMARG = new Set(['v128.store64_lane']);

/** A parsed S-expression: an atom (keyword, $name, number, "string") or a list. */
type Sexp = string | Sexp[];

/**
 * Assembles `source`, a module in the WebAssembly text format restricted to what kernels need, into binary. The
 * subset: one `(module ...)` holding an optional `(import "m" "n" (memory min max? shared?))` and `(func ...)`
 * fields, each func with `(export "name")`, named `(param $x t)`, an optional `(result t)`, named `(local $x t)`
 * and a body of instructions of the table above, written flat (`local.get $a`) or folded (`(f64.add (local.get
 * $a) (local.get $b))`), with `block`/`loop`/`if` labelled by `$name` (no block results) and `then`/`else` in
 * folded ifs. Memory immediates take `offset=N` and `align=N` (bytes). Throws an Error naming the offending token
 * for anything outside the subset. O(length of the source).
 */
export function assembleWat(source: string): Uint8Array {
  const top = parse(tokenize(source));
  if (top.length !== 1 || !Array.isArray(top[0]) || top[0][0] !== 'module') throw new Error('expected one (module ...)');
  const fields = top[0].slice(1);
  const funcs = fields.filter((f): f is Sexp[] => Array.isArray(f) && f[0] === 'func');
  const imports = fields.filter((f): f is Sexp[] => Array.isArray(f) && f[0] === 'import');
  for (const f of fields) if (!Array.isArray(f) || (f[0] !== 'func' && f[0] !== 'import')) throw new Error(`unsupported module field ${show(f)}`);

  const funcIndex = new Map<string, number>();
  funcs.forEach((f, i) => {
    if (typeof f[1] !== 'string' || !f[1].startsWith('$')) throw new Error('every func needs a $name');
    funcIndex.set(f[1], i);
  });
  const compiled = funcs.map((f) => compileFunc(f, funcIndex));

  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, body: number[]) => out.push(id, ...uleb(body.length), ...body);
  section(1, vec(compiled.map((c) => [0x60, ...vec(c.params.map((t) => [VALTYPE[t]])), ...vec(c.results.map((t) => [VALTYPE[t]]))])));
  if (imports.length > 0) section(2, vec(imports.map(compileImport)));
  section(3, vec(compiled.map((_, i) => uleb(i))));
  const exports = compiled.flatMap((c, i) => c.exports.map((name) => [...name8(name), 0x00, ...uleb(i)]));
  section(7, vec(exports));
  section(10, vec(compiled.map((c) => [...uleb(c.body.length), ...c.body])));
  return new Uint8Array(out);
}

interface CompiledFunc {
  params: ValType[];
  results: ValType[];
  exports: string[];
  body: number[];
}

function compileImport(f: Sexp[]): number[] {
  const [, mod, name, desc] = f;
  if (typeof mod !== 'string' || typeof name !== 'string' || !Array.isArray(desc) || desc[0] !== 'memory') {
    throw new Error(`only memory imports are supported: ${show(f)}`);
  }
  const rest = desc.slice(1).filter((a) => typeof a !== 'string' || !a.startsWith('$'));
  const shared = rest[rest.length - 1] === 'shared';
  const limits = (shared ? rest.slice(0, -1) : rest).map((a) => integer(a));
  if (limits.length < 1 || limits.length > 2 || (shared && limits.length !== 2)) throw new Error(`bad memory limits ${show(desc)}`);
  const flag = (limits.length === 2 ? 1 : 0) | (shared ? 2 : 0);
  return [...name8(stringOf(mod)), ...name8(stringOf(name)), 0x02, flag, ...limits.flatMap((l) => uleb(l))];
}

function compileFunc(f: Sexp[], funcIndex: ReadonlyMap<string, number>): CompiledFunc {
  const locals = new Map<string, number>();
  const params: ValType[] = [];
  const results: ValType[] = [];
  const exports: string[] = [];
  const localTypes: ValType[] = [];
  let at = 2;
  for (; at < f.length; at++) {
    const item = f[at];
    if (!Array.isArray(item) || !['export', 'param', 'result', 'local'].includes(item[0] as string)) break;
    if (item[0] === 'export') exports.push(stringOf(item[1]));
    else if (item[0] === 'result') results.push(...item.slice(1).map(valType));
    else {
      if (typeof item[1] !== 'string' || !item[1].startsWith('$') || item.length !== 3) throw new Error(`${item[0]} needs a $name and one type: ${show(item)}`);
      if (locals.has(item[1])) throw new Error(`duplicate local ${item[1]}`);
      if (item[0] === 'local') localTypes.push(valType(item[2]));
      else if (localTypes.length > 0) throw new Error(`param ${item[1]} after a local`);
      else params.push(valType(item[2]));
      locals.set(item[1], locals.size);
    }
  }
  const code: number[] = [];
  const labels: (string | undefined)[] = [];
  const emit = (name: string, imms: Sexp[]): void => {
    const op = OPS[name];
    if (!op) throw new Error(`unknown instruction ${name}`);
    code.push(...op.bytes);
    if (name === 'end') {
      if (labels.length === 0) throw new Error('end without block');
      labels.pop();
    }
    const take = (): Sexp => {
      const v = imms.shift();
      if (v === undefined) throw new Error(`${name} needs an immediate`);
      return v;
    };
    switch (op.imm) {
      case 'none':
        break;
      case 'local': {
        const id = take();
        const index = typeof id === 'string' && id.startsWith('$') ? locals.get(id) : integer(id);
        if (index === undefined) throw new Error(`unknown local ${show(id)}`);
        code.push(...uleb(index));
        break;
      }
      case 'label': {
        const id = take();
        let depth: number;
        if (typeof id === 'string' && id.startsWith('$')) {
          depth = labels.length - 1 - labels.lastIndexOf(id);
          if (depth >= labels.length) throw new Error(`unknown label ${id}`);
        } else depth = integer(id);
        code.push(...uleb(depth));
        break;
      }
      case 'block': {
        const label = typeof imms[0] === 'string' && imms[0].startsWith('$') ? (imms.shift() as string) : undefined;
        labels.push(label);
        const result = imms[0];
        if (Array.isArray(result) && result[0] === 'result' && result.length === 2) {
          imms.shift();
          code.push(VALTYPE[valType(result[1])]);
        } else code.push(0x40);
        break;
      }
      case 'func': {
        const id = take();
        const index = typeof id === 'string' ? funcIndex.get(id) : undefined;
        if (index === undefined) throw new Error(`unknown func ${show(id)}`);
        code.push(...uleb(index));
        break;
      }
      case 'i32':
        code.push(...sleb(integer(take())));
        break;
      case 'f64': {
        const text = take();
        const x = typeof text === 'string' ? Number(text) : NaN;
        if (!Number.isFinite(x)) throw new Error(`bad f64 constant ${show(text)}`);
        code.push(...new Uint8Array(new Float64Array([x]).buffer));
        break;
      }
      case 'memarg': {
        let offset = 0;
        let align = op.align as number;
        while (typeof imms[0] === 'string' && /^(offset|align)=/.test(imms[0])) {
          const [key, value] = (imms.shift() as string).split('=');
          if (key === 'offset') offset = integer(value);
          else {
            const bytes = integer(value);
            align = Math.log2(bytes);
            if (!Number.isInteger(align) || align > (op.align as number)) throw new Error(`bad alignment ${bytes} for ${name}`);
          }
        }
        code.push(...uleb(align), ...uleb(offset));
        if (LANE_AFTER_MEMARG.has(name)) code.push(integer(take()));
        break;
      }
      case 'lane':
        code.push(integer(take()));
        break;
    }
  };

  // Flat instructions are a keyword followed by the atoms that are its immediates; folded ones are lists.
  const body = (items: Sexp[]): void => {
    let i = 0;
    while (i < items.length) {
      const item = items[i++];
      if (Array.isArray(item)) {
        folded(item);
        continue;
      }
      const imms: Sexp[] = [];
      while (i < items.length && typeof items[i] === 'string' && isImmediate(items[i] as string)) imms.push(items[i++]);
      if (OPS[item]?.imm === 'block' && isResult(items[i])) imms.push(items[i++]);
      emit(item, imms);
      if (imms.length > 0) throw new Error(`unexpected ${show(imms[0])} after ${item}`);
    }
  };
  const folded = (list: Sexp[]): void => {
    const [head, ...rest] = list;
    if (typeof head !== 'string') throw new Error(`expected an instruction in ${show(list)}`);
    if (head === 'block' || head === 'loop') {
      emit(head, blockType(rest));
      body(rest);
      emit('end', []);
      return;
    }
    if (head === 'if') {
      const type = blockType(rest);
      const thenAt = rest.findIndex((r) => Array.isArray(r) && r[0] === 'then');
      if (thenAt < 0) throw new Error(`folded if needs (then ...): ${show(list)}`);
      body(rest.slice(0, thenAt));
      emit('if', type);
      body((rest[thenAt] as Sexp[]).slice(1));
      const otherwise = rest[thenAt + 1];
      if (Array.isArray(otherwise) && otherwise[0] === 'else') {
        emit('else', []);
        body(otherwise.slice(1));
      } else if (otherwise !== undefined) throw new Error(`unexpected ${show(otherwise)} after (then ...)`);
      emit('end', []);
      return;
    }
    const imms: Sexp[] = [];
    let i = 0;
    while (i < rest.length && typeof rest[i] === 'string') imms.push(rest[i++]);
    body(rest.slice(i));
    emit(head, imms);
    if (imms.length > 0) throw new Error(`unexpected ${show(imms[0])} in ${show(list)}`);
  };
  body(f.slice(at));
  if (labels.length > 0) throw new Error(`unclosed block in ${show(f[1])}`);
  code.push(0x0b);
  return {
    params,
    results,
    exports,
    body: [...vec(localTypes.map((t) => [1, VALTYPE[t]])), ...code],
  };
}

/** Takes a folded block's leading `$label` and `(result t)` off `rest`. */
function blockType(rest: Sexp[]): Sexp[] {
  const type: Sexp[] = [];
  if (typeof rest[0] === 'string' && rest[0].startsWith('$')) type.push(rest.shift() as string);
  if (isResult(rest[0])) type.push(rest.shift() as Sexp);
  return type;
}

function isResult(s: Sexp | undefined): boolean {
  return Array.isArray(s) && s[0] === 'result';
}

/** Whether a flat atom is an immediate (a $name, a number, or key=value) rather than the next instruction. */
function isImmediate(atom: string): boolean {
  return atom.startsWith('$') || /^[-+]?(\d|0x|inf|nan)/.test(atom) || /^(offset|align)=/.test(atom);
}

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ';' && source[i + 1] === ';') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '(' && source[i + 1] === ';') {
      const close = source.indexOf(';)', i + 2);
      if (close < 0) throw new Error('unclosed block comment');
      i = close + 2;
    } else if (c === '(' || c === ')') {
      tokens.push(c);
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      const close = source.indexOf('"', i + 1);
      if (close < 0) throw new Error('unclosed string');
      tokens.push(source.slice(i, close + 1));
      i = close + 1;
    } else {
      let j = i;
      while (j < source.length && !/[\s()]/.test(source[j])) j++;
      tokens.push(source.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function parse(tokens: string[]): Sexp[] {
  const stack: Sexp[][] = [[]];
  for (const t of tokens) {
    if (t === '(') stack.push([]);
    else if (t === ')') {
      const done = stack.pop();
      if (!done || stack.length === 0) throw new Error('unbalanced )');
      stack[stack.length - 1].push(done);
    } else stack[stack.length - 1].push(t);
  }
  if (stack.length !== 1) throw new Error('unbalanced (');
  return stack[0];
}

function valType(s: Sexp): ValType {
  if (typeof s !== 'string' || !(s in VALTYPE)) throw new Error(`unknown value type ${show(s)}`);
  return s as ValType;
}

function integer(s: Sexp): number {
  const n = typeof s === 'string' ? Number(s.replace(/_/g, '')) : NaN;
  if (!Number.isInteger(n)) throw new Error(`expected an integer, got ${show(s)}`);
  return n;
}

function stringOf(s: Sexp): string {
  if (typeof s !== 'string' || !s.startsWith('"')) throw new Error(`expected a string, got ${show(s)}`);
  return s.slice(1, -1);
}

function show(s: Sexp | undefined): string {
  if (s === undefined) return 'nothing';
  return typeof s === 'string' ? s : `(${s.map(show).join(' ')})`;
}

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(n: number): number[] {
  if (n < -(2 ** 31) || n >= 2 ** 32) throw new Error(`i32 constant out of range: ${n}`);
  n |= 0;
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name8(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}
