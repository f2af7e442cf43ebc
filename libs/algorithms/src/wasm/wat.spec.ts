import { assembleWat } from './wat';

interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, (...a: number[]) => number> };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const instantiate = (source: string, imports: object = {}) => new wasm.Instance(new wasm.Module(assembleWat(source)), imports).exports;

describe('assembleWat', () => {
  it('encodes a function exactly as the binary format specifies', () => {
    const bytes = assembleWat('(module (func $add (export "add") (param $a i32) (param $b i32) (result i32) local.get $a local.get $b i32.add))');
    expect(Array.from(bytes)).toEqual([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
      ...[0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f], // type section: (i32, i32) → i32
      ...[0x03, 0x02, 0x01, 0x00], // function section: func 0 has type 0
      ...[0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00], // export "add" = func 0
      ...[0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b], // code: no locals, get 0, get 1, add, end
    ]);
  });

  it('gives the same bytes for folded and flat instructions', () => {
    const flat = '(module (func $f (export "f") (param $x f64) (result f64) local.get $x f64.const 2 f64.mul f64.const 0.5 f64.add))';
    const folded = '(module (func $f (export "f") (param $x f64) (result f64) (f64.add (f64.mul (local.get $x) (f64.const 2)) (f64.const 0.5))))';
    expect(assembleWat(folded)).toEqual(assembleWat(flat));
    expect(instantiate(folded).f(3)).toBe(6.5);
  });

  it('resolves labels to depths, loops, calls, block results and negative constants', () => {
    // sum of i for i in [0, n), through a helper call, with an early exit at n = 0 and an if with a result.
    const exports = instantiate(`(module
      (func $step (param $a i32) (param $b i32) (result i32) (i32.add (local.get $a) (local.get $b)))
      (func $sum (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
        (block $done
          (br_if $done (i32.eqz (local.get $n)))
          (loop $next
            (local.set $s (call $step (local.get $s) (local.get $i)))
            (br_if $next (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
        (if (result i32) (local.get $n) (then (local.get $s)) (else (i32.const -7)))))`);
    expect(exports.sum(5)).toBe(10);
    expect(exports.sum(100)).toBe(4950);
    expect(exports.sum(0)).toBe(-7);
  });

  it('imports a shared memory and runs SIMD loads, arithmetic and lane stores on it', () => {
    const memory = new wasm.Memory({ initial: 1, maximum: 1, shared: true });
    const exports = instantiate(
      `(module (import "env" "memory" (memory 1 1 shared))
        ;; Widens two float32 at 0, doubles them in float64 lanes, stores them back as float32 at 8.
        (func $twice (export "twice")
          (v128.store64_lane 0 (i32.const 8)
            (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.const 0))) (f64x2.splat (f64.const 2)))))))`,
      { env: { memory } },
    );
    const f = new Float32Array(memory.buffer, 0, 4);
    f.set([1.5, -3, 9, 9]);
    exports.twice();
    expect(Array.from(f)).toEqual([1.5, -3, 3, -6]);
  });

  it('names what it cannot assemble', () => {
    expect(() => assembleWat('(module (func $f i32.frobnicate))')).toThrow(/unknown instruction i32.frobnicate/);
    expect(() => assembleWat('(module (func $f local.get $nope))')).toThrow(/unknown local \$nope/);
    expect(() => assembleWat('(module (func $f br $nowhere))')).toThrow(/unknown label \$nowhere/);
    expect(() => assembleWat('(module (func $f (call $missing)))')).toThrow(/unknown func \$missing/);
    expect(() => assembleWat('(module (func $f (i32.const 1))')).toThrow(/unbalanced/);
    expect(() => assembleWat('(module (global $g i32))')).toThrow(/unsupported module field/);
    expect(() => assembleWat('(module (func $f (i32.load align=8 (i32.const 0)) drop))')).toThrow(/bad alignment 8/);
  });
});
