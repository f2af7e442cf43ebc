// The inner loops of ALS as WebAssembly SIMD kernels over one memory that holds a training's factors and matrices.
import { assembleWat } from '../wasm/wat';
import { type CsrRows } from './csr';
import { GRAM_CHUNK_ROWS, reduceGramChunks } from './linalg';

/**
 * The kernels, in the WebAssembly text format (assembled by {@link assembleWat}). Every vector is float64 and is
 * processed two lanes at a time (f64x2); factor rows are float32 in memory, widened on load and rounded on store,
 * so products and sums are float64 as in a scalar loop, only summed in two interleaved lanes (even and odd
 * coordinates) that are added at the end. Vectors have an even width `kp` (k, or k + 1 with a zero last
 * coordinate). Addresses are byte offsets into the memory.
 */
const ALS_WAT = String.raw`
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; For the entries e in [0, count) of a row: s_e = f_e·v, out += (beta + alpha·value_e·(gamma + delta·s_e))·f_e,
  ;; where f_e is the float32 row at fixed + index_e·rowBytes. Two entries at a time share each load of v and out.
  (func $accumulate (param $fixed i32) (param $indices i32) (param $values i32) (param $count i32) (param $alpha f64)
    (param $v i32) (param $out i32) (param $rowBytes i32) (param $beta f64) (param $gamma f64) (param $delta f64)
    (local $e i32) (local $r0 i32) (local $r1 i32) (local $f i32) (local $q i32)
    (local $x v128) (local $s0 v128) (local $s1 v128) (local $c0 v128) (local $c1 v128)
    (block $pairs_done
      (loop $pairs
        (br_if $pairs_done (i32.gt_s (i32.add (local.get $e) (i32.const 2)) (local.get $count)))
        (local.set $r0 (i32.add (local.get $fixed)
          (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $r1 (i32.add (local.get $fixed)
          (i32.mul (i32.load offset=4 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $s0 (f64x2.splat (f64.const 0)))
        (local.set $s1 (f64x2.splat (f64.const 0)))
        (local.set $f (i32.const 0))
        (local.set $q (local.get $v))
        (loop $dot
          (local.set $x (v128.load (local.get $q)))
          (local.set $s0 (f64x2.add (local.get $s0)
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r0) (local.get $f)))) (local.get $x))))
          (local.set $s1 (f64x2.add (local.get $s1)
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r1) (local.get $f)))) (local.get $x))))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $dot (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 8))) (local.get $rowBytes))))
        (local.set $c0 (f64x2.splat (f64.add (local.get $beta)
          (f64.mul (f64.mul (local.get $alpha) (f64.promote_f32 (f32.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 2))))))
            (f64.add (local.get $gamma) (f64.mul (local.get $delta)
              (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0)))))))))
        (local.set $c1 (f64x2.splat (f64.add (local.get $beta)
          (f64.mul (f64.mul (local.get $alpha) (f64.promote_f32 (f32.load offset=4 (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 2))))))
            (f64.add (local.get $gamma) (f64.mul (local.get $delta)
              (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1)))))))))
        (local.set $f (i32.const 0))
        (local.set $q (local.get $out))
        (loop $axpy
          (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q))
            (f64x2.add
              (f64x2.mul (local.get $c0) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r0) (local.get $f)))))
              (f64x2.mul (local.get $c1) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r1) (local.get $f))))))))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $axpy (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 8))) (local.get $rowBytes))))
        (local.set $e (i32.add (local.get $e) (i32.const 2)))
        (br $pairs)))
    ;; The last entry of an odd count.
    (if (i32.lt_s (local.get $e) (local.get $count))
      (then
        (local.set $r0 (i32.add (local.get $fixed)
          (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $s0 (f64x2.splat (f64.const 0)))
        (local.set $f (i32.const 0))
        (local.set $q (local.get $v))
        (loop $dot1
          (local.set $s0 (f64x2.add (local.get $s0)
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r0) (local.get $f)))) (v128.load (local.get $q)))))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $dot1 (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 8))) (local.get $rowBytes))))
        (local.set $c0 (f64x2.splat (f64.add (local.get $beta)
          (f64.mul (f64.mul (local.get $alpha) (f64.promote_f32 (f32.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 2))))))
            (f64.add (local.get $gamma) (f64.mul (local.get $delta)
              (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0)))))))))
        (local.set $f (i32.const 0))
        (local.set $q (local.get $out))
        (loop $axpy1
          (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q))
            (f64x2.mul (local.get $c0) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $r0) (local.get $f)))))))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $axpy1 (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 8))) (local.get $rowBytes)))))))

  ;; y = s·(M x) for the row-major kp×kp float64 matrix at m; two rows of M at a time share each load of x.
  (func $matvec (param $m i32) (param $x i32) (param $y i32) (param $kp i32) (param $s f64)
    (local $vb i32) (local $j i32) (local $row0 i32) (local $row1 i32) (local $g i32) (local $xv v128) (local $a0 v128) (local $a1 v128)
    (local.set $vb (i32.shl (local.get $kp) (i32.const 3)))
    (loop $rows
      (local.set $row0 (i32.add (local.get $m) (i32.mul (local.get $j) (local.get $kp))))
      (local.set $row1 (i32.add (local.get $row0) (local.get $vb)))
      (local.set $a0 (f64x2.splat (f64.const 0)))
      (local.set $a1 (f64x2.splat (f64.const 0)))
      (local.set $g (i32.const 0))
      (loop $cols
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $g))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load (i32.add (local.get $row0) (local.get $g))) (local.get $xv))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load (i32.add (local.get $row1) (local.get $g))) (local.get $xv))))
        (br_if $cols (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 16))) (local.get $vb))))
      (f64.store (i32.add (local.get $y) (local.get $j))
        (f64.mul (local.get $s) (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))))
      (f64.store offset=8 (i32.add (local.get $y) (local.get $j))
        (f64.mul (local.get $s) (f64.add (f64x2.extract_lane 0 (local.get $a1)) (f64x2.extract_lane 1 (local.get $a1)))))
      (br_if $rows (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $vb)))))

  ;; Rows [start, end) of one ALS half-sweep: cgSteps conjugate-gradient steps per row on
  ;; (G + Σ_e (c_e − 1) f_e f_eᵀ) x = Σ_e c_e f_e, warm-started from the target row and written back to it, with
  ;; c_e = 1 + alpha·value_e; G is the dense kp×kp matrix at gram, or its diagonal (kp values) when diagonal ≠ 0.
  ;; scratch holds four float64 vectors of this thread (x, r, p, ap). A row without entries becomes zero.
  (func $solve (export "solve") (param $indptr i32) (param $indices i32) (param $values i32) (param $target i32)
    (param $fixed i32) (param $gram i32) (param $kp i32) (param $alpha f64) (param $cgSteps i32) (param $diagonal i32)
    (param $start i32) (param $end i32) (param $scratch i32)
    (local $row i32) (local $from i32) (local $count i32) (local $t i32) (local $rowBytes i32) (local $vb i32)
    (local $x i32) (local $r i32) (local $p i32) (local $ap i32) (local $b i32) (local $step i32)
    (local $rsold f64) (local $rsnew f64) (local $pap f64)
    (local $acc v128) (local $va v128) (local $vbeta v128) (local $vr v128) (local $vp v128)
    (local.set $rowBytes (i32.shl (local.get $kp) (i32.const 2)))
    (local.set $vb (i32.shl (local.get $kp) (i32.const 3)))
    (local.set $x (local.get $scratch))
    (local.set $r (i32.add (local.get $x) (local.get $vb)))
    (local.set $p (i32.add (local.get $r) (local.get $vb)))
    (local.set $ap (i32.add (local.get $p) (local.get $vb)))
    (local.set $row (local.get $start))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $row) (local.get $end)))
        (local.set $from (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $count (i32.sub (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))) (local.get $from)))
        (local.set $t (i32.add (local.get $target) (i32.mul (local.get $row) (local.get $rowBytes))))
        (if (i32.eqz (local.get $count))
          (then
            (local.set $b (i32.const 0))
            (loop $zero
              (f64.store (i32.add (local.get $t) (local.get $b)) (f64.const 0))
              (br_if $zero (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 8))) (local.get $rowBytes)))))
          (else
            ;; x = the row's current factors.
            (local.set $b (i32.const 0))
            (loop $load
              (v128.store (i32.add (local.get $x) (i32.shl (local.get $b) (i32.const 1)))
                (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $t) (local.get $b)))))
              (br_if $load (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 8))) (local.get $rowBytes))))
            ;; r = b − A x = Σ c_e f_e − G x − Σ (c_e − 1)(f_e·x) f_e.
            (if (local.get $diagonal)
              (then
                (local.set $b (i32.const 0))
                (loop $rdiag
                  (v128.store (i32.add (local.get $r) (local.get $b))
                    (f64x2.neg (f64x2.mul (v128.load (i32.add (local.get $gram) (local.get $b))) (v128.load (i32.add (local.get $x) (local.get $b))))))
                  (br_if $rdiag (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 16))) (local.get $vb)))))
              (else (call $matvec (local.get $gram) (local.get $x) (local.get $r) (local.get $kp) (f64.const -1))))
            (call $accumulate (local.get $fixed)
              (i32.add (local.get $indices) (i32.shl (local.get $from) (i32.const 2)))
              (i32.add (local.get $values) (i32.shl (local.get $from) (i32.const 2)))
              (local.get $count) (local.get $alpha) (local.get $x) (local.get $r) (local.get $rowBytes)
              (f64.const 1) (f64.const 1) (f64.const -1))
            ;; p = r; rsold = r·r.
            (local.set $acc (f64x2.splat (f64.const 0)))
            (local.set $b (i32.const 0))
            (loop $copy
              (local.set $vr (v128.load (i32.add (local.get $r) (local.get $b))))
              (v128.store (i32.add (local.get $p) (local.get $b)) (local.get $vr))
              (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $vr) (local.get $vr))))
              (br_if $copy (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 16))) (local.get $vb))))
            (local.set $rsold (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
            (if (i32.eqz (f64.lt (local.get $rsold) (f64.const 1e-20)))
              (then
                ;; With a diagonal G, ap = G p is started here and then in the loop that updates p.
                (if (local.get $diagonal)
                  (then
                    (local.set $b (i32.const 0))
                    (loop $apdiag
                      (v128.store (i32.add (local.get $ap) (local.get $b))
                        (f64x2.mul (v128.load (i32.add (local.get $gram) (local.get $b))) (v128.load (i32.add (local.get $p) (local.get $b)))))
                      (br_if $apdiag (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 16))) (local.get $vb))))))
                (local.set $step (i32.const 0))
                (block $cg_done
                  (loop $cg
                    ;; ap = A p without forming A: G p plus the row's non-zero corrections.
                    (if (i32.eqz (local.get $diagonal))
                      (then (call $matvec (local.get $gram) (local.get $p) (local.get $ap) (local.get $kp) (f64.const 1))))
                    (call $accumulate (local.get $fixed)
                      (i32.add (local.get $indices) (i32.shl (local.get $from) (i32.const 2)))
                      (i32.add (local.get $values) (i32.shl (local.get $from) (i32.const 2)))
                      (local.get $count) (local.get $alpha) (local.get $p) (local.get $ap) (local.get $rowBytes)
                      (f64.const 0) (f64.const 0) (f64.const 1))
                    (local.set $acc (f64x2.splat (f64.const 0)))
                    (local.set $b (i32.const 0))
                    (loop $pap
                      (local.set $acc (f64x2.add (local.get $acc)
                        (f64x2.mul (v128.load (i32.add (local.get $p) (local.get $b))) (v128.load (i32.add (local.get $ap) (local.get $b))))))
                      (br_if $pap (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 16))) (local.get $vb))))
                    (local.set $pap (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
                    (br_if $cg_done (i32.eqz (f64.gt (local.get $pap) (f64.const 0))))
                    ;; x += a p, r −= a ap with a = rsold / pap; rsnew = r·r.
                    (local.set $va (f64x2.splat (f64.div (local.get $rsold) (local.get $pap))))
                    (local.set $acc (f64x2.splat (f64.const 0)))
                    (local.set $b (i32.const 0))
                    (loop $update
                      (v128.store (i32.add (local.get $x) (local.get $b))
                        (f64x2.add (v128.load (i32.add (local.get $x) (local.get $b))) (f64x2.mul (local.get $va) (v128.load (i32.add (local.get $p) (local.get $b))))))
                      (local.set $vr (f64x2.sub (v128.load (i32.add (local.get $r) (local.get $b)))
                        (f64x2.mul (local.get $va) (v128.load (i32.add (local.get $ap) (local.get $b))))))
                      (v128.store (i32.add (local.get $r) (local.get $b)) (local.get $vr))
                      (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $vr) (local.get $vr))))
                      (br_if $update (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 16))) (local.get $vb))))
                    (local.set $rsnew (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
                    (local.set $step (i32.add (local.get $step) (i32.const 1)))
                    (br_if $cg_done (f64.lt (local.get $rsnew) (f64.const 1e-20)))
                    (br_if $cg_done (i32.ge_s (local.get $step) (local.get $cgSteps)))
                    ;; p = r + beta p with beta = rsnew / rsold (and ap = G p for a diagonal G).
                    (local.set $vbeta (f64x2.splat (f64.div (local.get $rsnew) (local.get $rsold))))
                    (local.set $b (i32.const 0))
                    (loop $direction
                      (local.set $vp (f64x2.add (v128.load (i32.add (local.get $r) (local.get $b)))
                        (f64x2.mul (local.get $vbeta) (v128.load (i32.add (local.get $p) (local.get $b))))))
                      (v128.store (i32.add (local.get $p) (local.get $b)) (local.get $vp))
                      (if (local.get $diagonal)
                        (then (v128.store (i32.add (local.get $ap) (local.get $b))
                          (f64x2.mul (v128.load (i32.add (local.get $gram) (local.get $b))) (local.get $vp)))))
                      (br_if $direction (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 16))) (local.get $vb))))
                    (local.set $rsold (local.get $rsnew))
                    (br $cg)))
                ;; Write x back, rounded to float32.
                (local.set $b (i32.const 0))
                (loop $store
                  (v128.store64_lane 0 (i32.add (local.get $t) (local.get $b))
                    (f32x4.demote_f64x2_zero (v128.load (i32.add (local.get $x) (i32.shl (local.get $b) (i32.const 1))))))
                  (br_if $store (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 8))) (local.get $rowBytes))))))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows))))

  ;; Copies the float32 row at src into the float64 vector at dst (kp values), or zeros when present = 0.
  (func $widen (param $src i32) (param $dst i32) (param $rowBytes i32) (param $present i32)
    (local $b i32)
    (loop $copy
      (v128.store (i32.add (local.get $dst) (i32.shl (local.get $b) (i32.const 1)))
        (if (result v128) (local.get $present)
          (then (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $src) (local.get $b)))))
          (else (f64x2.splat (f64.const 0)))))
      (br_if $copy (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 8))) (local.get $rowBytes)))))

  ;; out (kp×kp float64, zeroed first) = the upper triangle of Σ f_r f_rᵀ over the float32 rows [start, end) of
  ;; factors; entries left of the diagonal hold partial values to be ignored. Four rows at a time (missing rows
  ;; count as zero), widened into scratch (four vectors), so each accumulator load serves four products.
  (func $gram (export "gram") (param $factors i32) (param $kp i32) (param $start i32) (param $end i32) (param $out i32) (param $scratch i32)
    (local $rowBytes i32) (local $vb i32) (local $r i32) (local $i i32) (local $a i32) (local $b i32) (local $acc i32)
    (local $y0 v128) (local $y1 v128) (local $y2 v128) (local $y3 v128)
    (local.set $rowBytes (i32.shl (local.get $kp) (i32.const 2)))
    (local.set $vb (i32.shl (local.get $kp) (i32.const 3)))
    (local.set $b (i32.const 0))
    (loop $zero
      (v128.store (i32.add (local.get $out) (local.get $b)) (f64x2.splat (f64.const 0)))
      (br_if $zero (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 16))) (i32.mul (local.get $vb) (local.get $kp)))))
    (local.set $r (local.get $start))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $end)))
        (local.set $i (i32.const 0))
        (loop $fill
          (call $widen (i32.add (local.get $factors) (i32.mul (i32.add (local.get $r) (local.get $i)) (local.get $rowBytes)))
            (i32.add (local.get $scratch) (i32.mul (local.get $i) (local.get $vb))) (local.get $rowBytes)
            (i32.lt_s (i32.add (local.get $r) (local.get $i)) (local.get $end)))
          (br_if $fill (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 4))))
        (local.set $a (i32.const 0))
        (loop $accs
          (local.set $y0 (f64x2.splat (f64.load (i32.add (local.get $scratch) (local.get $a)))))
          (local.set $y1 (f64x2.splat (f64.load (i32.add (i32.add (local.get $scratch) (local.get $vb)) (local.get $a)))))
          (local.set $y2 (f64x2.splat (f64.load (i32.add (i32.add (local.get $scratch) (i32.shl (local.get $vb) (i32.const 1))) (local.get $a)))))
          (local.set $y3 (f64x2.splat (f64.load (i32.add (i32.add (local.get $scratch) (i32.mul (local.get $vb) (i32.const 3))) (local.get $a)))))
          (local.set $acc (i32.add (local.get $out) (i32.mul (local.get $a) (local.get $kp))))
          (local.set $b (i32.and (local.get $a) (i32.const -16)))
          (loop $cols
            (v128.store (i32.add (local.get $acc) (local.get $b))
              (f64x2.add (v128.load (i32.add (local.get $acc) (local.get $b)))
                (f64x2.add (f64x2.add (f64x2.add
                  (f64x2.mul (local.get $y0) (v128.load (i32.add (local.get $scratch) (local.get $b))))
                  (f64x2.mul (local.get $y1) (v128.load (i32.add (i32.add (local.get $scratch) (local.get $vb)) (local.get $b)))))
                  (f64x2.mul (local.get $y2) (v128.load (i32.add (i32.add (local.get $scratch) (i32.shl (local.get $vb) (i32.const 1))) (local.get $b)))))
                  (f64x2.mul (local.get $y3) (v128.load (i32.add (i32.add (local.get $scratch) (i32.mul (local.get $vb) (i32.const 3))) (local.get $b)))))))
            (br_if $cols (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 16))) (local.get $vb))))
          (br_if $accs (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 8))) (local.get $vb))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rows))))

  ;; Replaces every float32 row x in rows [start, end) of factors by M x (M: kp×kp float64 at m, row-major), two
  ;; rows against two rows of M at a time; scratch holds four vectors (the two rows widened, their two results).
  (func $rotate (export "rotate") (param $factors i32) (param $kp i32) (param $m i32) (param $start i32) (param $end i32) (param $scratch i32)
    (local $rowBytes i32) (local $vb i32) (local $r i32) (local $two i32) (local $src i32) (local $j i32) (local $g i32)
    (local $m0 i32) (local $m1 i32) (local $x1 i32) (local $o0 i32) (local $o1 i32)
    (local $xa v128) (local $xb v128) (local $v0 v128) (local $v1 v128) (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local.set $rowBytes (i32.shl (local.get $kp) (i32.const 2)))
    (local.set $vb (i32.shl (local.get $kp) (i32.const 3)))
    (local.set $x1 (i32.add (local.get $scratch) (local.get $vb)))
    (local.set $o0 (i32.add (local.get $x1) (local.get $vb)))
    (local.set $o1 (i32.add (local.get $o0) (local.get $vb)))
    (local.set $r (local.get $start))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $end)))
        (local.set $two (i32.lt_s (i32.add (local.get $r) (i32.const 1)) (local.get $end)))
        (local.set $src (i32.add (local.get $factors) (i32.mul (local.get $r) (local.get $rowBytes))))
        (call $widen (local.get $src) (local.get $scratch) (local.get $rowBytes) (i32.const 1))
        (call $widen (i32.add (local.get $src) (local.get $rowBytes)) (local.get $x1) (local.get $rowBytes) (local.get $two))
        (local.set $j (i32.const 0))
        (loop $outs
          (local.set $m0 (i32.add (local.get $m) (i32.mul (local.get $j) (local.get $kp))))
          (local.set $m1 (i32.add (local.get $m0) (local.get $vb)))
          (local.set $a00 (f64x2.splat (f64.const 0)))
          (local.set $a01 (f64x2.splat (f64.const 0)))
          (local.set $a10 (f64x2.splat (f64.const 0)))
          (local.set $a11 (f64x2.splat (f64.const 0)))
          (local.set $g (i32.const 0))
          (loop $inner
            (local.set $xa (v128.load (i32.add (local.get $scratch) (local.get $g))))
            (local.set $xb (v128.load (i32.add (local.get $x1) (local.get $g))))
            (local.set $v0 (v128.load (i32.add (local.get $m0) (local.get $g))))
            (local.set $v1 (v128.load (i32.add (local.get $m1) (local.get $g))))
            (local.set $a00 (f64x2.add (local.get $a00) (f64x2.mul (local.get $v0) (local.get $xa))))
            (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $v1) (local.get $xa))))
            (local.set $a10 (f64x2.add (local.get $a10) (f64x2.mul (local.get $v0) (local.get $xb))))
            (local.set $a11 (f64x2.add (local.get $a11) (f64x2.mul (local.get $v1) (local.get $xb))))
            (br_if $inner (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 16))) (local.get $vb))))
          (f64.store (i32.add (local.get $o0) (local.get $j)) (f64.add (f64x2.extract_lane 0 (local.get $a00)) (f64x2.extract_lane 1 (local.get $a00))))
          (f64.store offset=8 (i32.add (local.get $o0) (local.get $j)) (f64.add (f64x2.extract_lane 0 (local.get $a01)) (f64x2.extract_lane 1 (local.get $a01))))
          (f64.store (i32.add (local.get $o1) (local.get $j)) (f64.add (f64x2.extract_lane 0 (local.get $a10)) (f64x2.extract_lane 1 (local.get $a10))))
          (f64.store offset=8 (i32.add (local.get $o1) (local.get $j)) (f64.add (f64x2.extract_lane 0 (local.get $a11)) (f64x2.extract_lane 1 (local.get $a11))))
          (br_if $outs (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $vb))))
        (local.set $g (i32.const 0))
        (loop $store
          (v128.store64_lane 0 (i32.add (local.get $src) (local.get $g))
            (f32x4.demote_f64x2_zero (v128.load (i32.add (local.get $o0) (i32.shl (local.get $g) (i32.const 1))))))
          (if (local.get $two)
            (then (v128.store64_lane 0 (i32.add (i32.add (local.get $src) (local.get $rowBytes)) (local.get $g))
              (f32x4.demote_f64x2_zero (v128.load (i32.add (local.get $o1) (i32.shl (local.get $g) (i32.const 1))))))))
          (br_if $store (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 8))) (local.get $rowBytes))))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $rows)))))
`;

// ---------------------------------------------------------------------------------------------------------------
// The memory of one training and the kernels over it.

/** The parts of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
/** A compiled module: structured-cloneable, so worker threads instantiate the same code without compiling it again. */
export type AlsKernelModule = object;
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => AlsKernelModule;
  Instance: new (module: AlsKernelModule, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A shared WebAssembly memory (its buffer is a SharedArrayBuffer); structured-cloneable to worker threads. */
export type AlsMemory = WasmMemory;

const PAGE_BYTES = 65536;
/** The largest memory a 32-bit WebAssembly module addresses. */
const MAX_PAGES = 65536;

let compiled: AlsKernelModule | undefined;

/** The compiled kernel module of this thread (assembled and compiled on first use, a few milliseconds). */
export function alsKernelModule(): AlsKernelModule {
  compiled ??= new wasm.Module(assembleWat(ALS_WAT));
  return compiled;
}

/** One side of the matrix: the factor rows solved together in a half-sweep. */
export type AlsSide = 'users' | 'items';

/** Where a CSR matrix lives in the memory (byte offsets of int32 indptr, int32 indices, float32 values). */
export interface AlsCsrLayout {
  readonly rows: number;
  readonly indptr: number;
  readonly indices: number;
  readonly values: number;
}

/**
 * Where everything of one training lives in its memory (byte offsets, 16-byte aligned). Factor rows have an even
 * width `kp` (k rounded up, the extra coordinate zero), users then items in one block so a rotation of both is one
 * row range; k×k matrices are stored kp×kp with zero padding.
 */
export interface AlsLayout {
  readonly k: number;
  readonly kp: number;
  readonly nUsers: number;
  readonly nItems: number;
  /** (nUsers + nItems) × kp float32. */
  readonly factors: number;
  readonly users: AlsCsrLayout;
  readonly items: AlsCsrLayout;
  /** kp×kp float64: the dense Gram matrix of a half-sweep, or its diagonal in the first kp values. */
  readonly gram: number;
  /** kp×kp float64: the rotation of the next rotate task. */
  readonly rotation: number;
  /** One kp×kp float64 partial Gram matrix per chunk of {@link GRAM_CHUNK_ROWS} rows of the larger side. */
  readonly partials: number;
  /** int32 work counter that threads claim pieces from. */
  readonly counter: number;
  /** `slots` areas of `slotBytes`, one per thread. */
  readonly scratch: number;
  readonly slotBytes: number;
  readonly slots: number;
  readonly bytes: number;
}

/** The layout of a training of k factors on an nUsers × nItems matrix with nnz entries, with scratch for `slots` threads. */
export function alsLayout(nUsers: number, nItems: number, nnz: number, k: number, slots: number): AlsLayout {
  const kp = k + (k & 1);
  let at = 0;
  const take = (bytes: number): number => {
    const start = at;
    at += Math.ceil(bytes / 16) * 16;
    return start;
  };
  const csr = (rows: number): AlsCsrLayout => ({ rows, indptr: take((rows + 1) * 4), indices: take(nnz * 4), values: take(nnz * 4) });
  const factors = take((nUsers + nItems) * kp * 4);
  const users = csr(nUsers);
  const items = csr(nItems);
  const square = kp * kp * 8;
  const gram = take(square);
  const rotation = take(square);
  const partials = take(Math.max(1, Math.ceil(Math.max(nUsers, nItems) / GRAM_CHUNK_ROWS)) * square);
  const counter = take(16);
  const slotBytes = 8 * kp * 8;
  const scratch = take(slots * slotBytes);
  return { k, kp, nUsers, nItems, factors, users, items, gram, rotation, partials, counter, scratch, slotBytes, slots, bytes: at };
}

/** A memory of at least `bytes`, shared so worker threads can work on it. Throws a RangeError past 4 GiB. */
export function createAlsMemory(bytes: number): AlsMemory {
  const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  if (pages > MAX_PAGES) throw new RangeError(`ALS needs ${(bytes / 2 ** 30).toFixed(1)} GiB of kernel memory; the limit is 4 GiB`);
  return new wasm.Memory({ initial: pages, maximum: pages, shared: true });
}

/** A unit of parallel work of a training: every piece of it may run on any thread, in any order. */
export type AlsTask =
  | { readonly kind: 'solve'; readonly side: AlsSide; readonly diagonal: boolean; readonly alpha: number; readonly cgSteps: number }
  | { readonly kind: 'gram'; readonly side: AlsSide }
  | { readonly kind: 'rotate' };

/** How many units (rows, or Gram chunks) `task` has. */
export function taskUnits(layout: AlsLayout, task: AlsTask): number {
  if (task.kind === 'rotate') return layout.nUsers + layout.nItems;
  const rows = task.side === 'users' ? layout.nUsers : layout.nItems;
  return task.kind === 'gram' ? Math.ceil(rows / GRAM_CHUNK_ROWS) : rows;
}

/**
 * Unit boundaries [0 = b0 < b1 < … = units] cutting `task` into at most `pieces` ranges of about equal cost (for a
 * solve: 2k multiply-adds per entry per CG product plus the Gram product per row; otherwise equal unit counts).
 * `indptr` is the solved side's (only read for a solve).
 */
export function taskPieces(layout: AlsLayout, task: AlsTask, pieces: number, indptr?: Int32Array): number[] {
  const units = taskUnits(layout, task);
  const n = Math.max(1, Math.min(pieces, units));
  const bounds = [0];
  if (task.kind === 'solve' && indptr && n > 1) {
    const k = layout.kp;
    const perRow = task.diagonal ? 6 * k : k * k + 4 * k;
    const cost = (row: number) => 2 * k * indptr[row] + perRow * row;
    const total = cost(units);
    let row = 0;
    for (let p = 1; p < n; p++) {
      const goal = (total * p) / n;
      while (row < units && cost(row) < goal) row++;
      if (row > bounds[bounds.length - 1]) bounds.push(row);
    }
  } else {
    for (let p = 1; p < n; p++) bounds.push(Math.round((units * p) / n));
  }
  if (bounds[bounds.length - 1] !== units) bounds.push(units);
  return bounds;
}

/** The kernels instantiated over one training's memory: each call runs one range of one task in this thread. */
export class AlsKernels {
  private readonly solveRows: (...args: number[]) => void;
  private readonly gramRows: (...args: number[]) => void;
  private readonly rotateRows: (...args: number[]) => void;

  constructor(
    readonly memory: AlsMemory,
    readonly layout: AlsLayout,
    module: AlsKernelModule = alsKernelModule(),
  ) {
    const { exports } = new wasm.Instance(module, { env: { memory } });
    this.solveRows = exports.solve as (...args: number[]) => void;
    this.gramRows = exports.gram as (...args: number[]) => void;
    this.rotateRows = exports.rotate as (...args: number[]) => void;
  }

  /** Throws a RangeError unless `slot` is a thread slot of the layout. */
  checkSlot(slot: number): void {
    if (!(Number.isInteger(slot) && slot >= 0 && slot < this.layout.slots)) throw new RangeError(`slot ${slot} is not in [0, ${this.layout.slots})`);
  }

  /** Runs units [start, end) of `task` with the scratch of thread `slot`. */
  run(task: AlsTask, start: number, end: number, slot: number): void {
    const l = this.layout;
    this.checkSlot(slot);
    const scratch = l.scratch + slot * l.slotBytes;
    const rowBytes = l.kp * 4;
    if (task.kind === 'rotate') {
      this.rotateRows(l.factors, l.kp, l.rotation, start, end, scratch);
    } else if (task.kind === 'gram') {
      const [first, rows] = task.side === 'users' ? [l.factors, l.nUsers] : [l.factors + l.nUsers * rowBytes, l.nItems];
      const square = l.kp * l.kp * 8;
      for (let c = start; c < end; c++) {
        this.gramRows(first, l.kp, c * GRAM_CHUNK_ROWS, Math.min(rows, (c + 1) * GRAM_CHUNK_ROWS), l.partials + c * square, scratch);
      }
    } else {
      const csr = task.side === 'users' ? l.users : l.items;
      const usersAt = l.factors;
      const itemsAt = l.factors + l.nUsers * rowBytes;
      const [target, fixed] = task.side === 'users' ? [usersAt, itemsAt] : [itemsAt, usersAt];
      this.solveRows(csr.indptr, csr.indices, csr.values, target, fixed, l.gram, l.kp, task.alpha, task.cgSteps, task.diagonal ? 1 : 0, start, end, scratch);
    }
  }
}

/** One training's memory and layout, with the copies in and out of it that the driver makes between tasks. */
export class AlsWorkspace {
  readonly memory: AlsMemory;

  constructor(readonly layout: AlsLayout) {
    this.memory = createAlsMemory(layout.bytes);
  }

  /** Copies a side's CSR rows in (`rows.nRows` must match the layout). */
  writeRows(side: AlsSide, rows: CsrRows): void {
    const at = side === 'users' ? this.layout.users : this.layout.items;
    if (rows.nRows !== at.rows) throw new RangeError(`${side} has ${rows.nRows} rows, the layout ${at.rows}`);
    const nnz = rows.indptr[rows.nRows];
    new Int32Array(this.memory.buffer, at.indptr, rows.nRows + 1).set(rows.indptr.subarray(0, rows.nRows + 1));
    new Int32Array(this.memory.buffer, at.indices, nnz).set(rows.indices.subarray(0, nnz));
    new Float32Array(this.memory.buffer, at.values, nnz).set(rows.values.subarray(0, nnz));
  }

  /** The indptr of a side, as stored. */
  indptr(side: AlsSide): Int32Array {
    const at = side === 'users' ? this.layout.users : this.layout.items;
    return new Int32Array(this.memory.buffer, at.indptr, at.rows + 1);
  }

  /** Copies a side's factors in from row-major n×k `source`. */
  writeFactors(side: AlsSide, source: ArrayLike<number>): void {
    const { k, kp } = this.layout;
    const [first, rows] = this.sideRows(side);
    if (source.length !== rows * k) throw new RangeError(`${side} factors must have ${rows}×${k} values, got ${source.length}`);
    const f = new Float32Array(this.memory.buffer, this.layout.factors + first * kp * 4, rows * kp);
    for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) f[r * kp + j] = source[r * k + j];
  }

  /** A copy of a side's factors, row-major n×k. */
  readFactors(side: AlsSide): Float32Array {
    const { k, kp } = this.layout;
    const [first, rows] = this.sideRows(side);
    const f = new Float32Array(this.memory.buffer, this.layout.factors + first * kp * 4, rows * kp);
    if (k === kp) return f.slice();
    const out = new Float32Array(rows * k);
    for (let r = 0; r < rows; r++) out.set(f.subarray(r * kp, r * kp + k), r * k);
    return out;
  }

  /** Stores the k×k row-major `m` at `offset` as kp×kp with zero padding. */
  writeSquare(offset: number, m: Float64Array): void {
    const { k, kp } = this.layout;
    const out = new Float64Array(this.memory.buffer, offset, kp * kp).fill(0);
    for (let a = 0; a < k; a++) out.set(m.subarray(a * k, a * k + k), a * kp);
  }

  /** Stores the k values of a diagonal at the Gram slot (the padding coordinate gets 0). */
  writeDiagonal(values: Float64Array): void {
    const { k, kp } = this.layout;
    const out = new Float64Array(this.memory.buffer, this.layout.gram, kp).fill(0);
    out.set(values.subarray(0, k));
  }

  /**
   * The k×k Gram matrix FᵀF + ridge·I of a side from the partial sums a `gram` task left, added in chunk order
   * (so the result does not depend on which thread computed which chunk).
   */
  reduceGram(side: AlsSide, ridge: number, out: Float64Array): Float64Array {
    const { k, kp } = this.layout;
    const chunks = Math.max(1, Math.ceil(this.sideRows(side)[1] / GRAM_CHUNK_ROWS));
    return reduceGramChunks(new Float64Array(this.memory.buffer, this.layout.partials, chunks * kp * kp), chunks, k, ridge, out, kp);
  }

  /** The int32 counter threads claim pieces of a task from. */
  counter(): Int32Array {
    return new Int32Array(this.memory.buffer, this.layout.counter, 1);
  }

  private sideRows(side: AlsSide): [first: number, rows: number] {
    return side === 'users' ? [0, this.layout.nUsers] : [this.layout.nUsers, this.layout.nItems];
  }
}

/**
 * Runs the pieces of `task` (boundaries from {@link taskPieces}) that this thread claims from the workspace's
 * counter (Atomics.add), so threads that run faster take more pieces. Returns when no piece is left.
 */
export function claimPieces(kernels: AlsKernels, counter: Int32Array, task: AlsTask, bounds: readonly number[], slot: number): void {
  kernels.checkSlot(slot);
  for (;;) {
    const piece = Atomics.add(counter, 0, 1);
    if (piece >= bounds.length - 1) return;
    kernels.run(task, bounds[piece], bounds[piece + 1], slot);
  }
}
