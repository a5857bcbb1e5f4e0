/**
 * Binary spikes as bits (see src/kernels/reference/bits.ts): bit i of the spike vector is bit (i mod 32) of word
 * ⌊i/32⌋. Threads split the words; a word's 32 spikes are eight f32x4 vectors.
 */

/** Words [start, end) of `bits` from x (n values): bit set where x ≠ 0. */
export function packBits(x: usize, bits: usize, n: i32, start: i32, end: i32): void {
  const zero = f32x4.splat(0);
  for (let j = start; j < end; j++) {
    const base = j << 5;
    let word: u32 = 0;
    if (base + 32 <= n) {
      const p = x + <usize>base * 4;
      for (let v = 0; v < 8; v++) {
        // four lanes → four bits: the lane's sign bit of the all-ones "≠ 0" mask
        word |= <u32>i32x4.bitmask(f32x4.ne(v128.load(p + <usize>v * 16), zero)) << (v * 4);
      }
    } else {
      for (let i = base, b = 0; i < n; i++, b++) if (load<f32>(x + <usize>i * 4) != 0) word |= 1 << b;
    }
    store<u32>(bits + <usize>j * 4, word);
  }
}

/** y = magnitude where the bit is set, else 0, for the values of words [start, end). */
export function unpackBits(bits: usize, y: usize, n: i32, magnitude: f32, start: i32, end: i32): void {
  const lanes = i32x4(1, 2, 4, 8);
  const mag = f32x4.splat(magnitude);
  for (let j = start; j < end; j++) {
    const word = load<u32>(bits + <usize>j * 4);
    const base = j << 5;
    if (base + 32 <= n) {
      const p = y + <usize>base * 4;
      for (let v = 0; v < 8; v++) {
        const nib = i32x4.splat(<i32>((word >> (v * 4)) & 15));
        const on = i32x4.ne(v128.and(nib, lanes), i32x4.splat(0));
        v128.store(p + <usize>v * 16, v128.and(on, mag));
      }
    } else {
      for (let i = base, b = 0; i < n; i++, b++) store<f32>(y + <usize>i * 4, (word >> b) & 1 ? magnitude : 0);
    }
  }
}
