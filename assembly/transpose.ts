/**
 * y[c·rows + r] = x[r·cols + c] for the output rows c in [start, end): x [rows, cols] as [cols, rows]. Tiles of
 * TILE × TILE floats keep the rows they read and the rows they write in L1; inside a tile, 4×4 blocks go through
 * four vector loads, eight shuffles and four vector stores. A copy: the bits are the input's.
 */
const TILE = 32;

export function transpose(x: usize, y: usize, rows: i32, cols: i32, start: i32, end: i32): void {
  for (let c0 = start; c0 < end; c0 += TILE) {
    const c1 = min(c0 + TILE, end);
    for (let r0 = 0; r0 < rows; r0 += TILE) tile(x, y, rows, cols, r0, min(r0 + TILE, rows), c0, c1);
  }
}

function tile(x: usize, y: usize, rows: i32, cols: i32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  const r4 = r0 + ((r1 - r0) & ~3);
  const c4 = c0 + ((c1 - c0) & ~3);
  const ldx = <usize>cols * 4;
  const ldy = <usize>rows * 4;
  for (let c = c0; c < c4; c += 4) {
    for (let r = r0; r < r4; r += 4) {
      const src = x + <usize>r * ldx + <usize>c * 4;
      const a = v128.load(src);
      const b = v128.load(src + ldx);
      const e = v128.load(src + 2 * ldx);
      const d = v128.load(src + 3 * ldx);
      const ab01 = i32x4.shuffle(a, b, 0, 4, 1, 5);
      const ab23 = i32x4.shuffle(a, b, 2, 6, 3, 7);
      const ed01 = i32x4.shuffle(e, d, 0, 4, 1, 5);
      const ed23 = i32x4.shuffle(e, d, 2, 6, 3, 7);
      const dst = y + <usize>c * ldy + <usize>r * 4;
      v128.store(dst, i32x4.shuffle(ab01, ed01, 0, 1, 4, 5));
      v128.store(dst + ldy, i32x4.shuffle(ab01, ed01, 2, 3, 6, 7));
      v128.store(dst + 2 * ldy, i32x4.shuffle(ab23, ed23, 0, 1, 4, 5));
      v128.store(dst + 3 * ldy, i32x4.shuffle(ab23, ed23, 2, 3, 6, 7));
    }
    // the rows past the last whole block of 4, for these 4 columns
    for (let r = r4; r < r1; r++) {
      for (let j = c; j < c + 4; j++) {
        store<u32>(y + <usize>j * ldy + <usize>r * 4, load<u32>(x + <usize>r * ldx + <usize>j * 4));
      }
    }
  }
  // the columns past the last whole block of 4, for every row of the tile
  for (let c = c4; c < c1; c++) {
    for (let r = r0; r < r1; r++) {
      store<u32>(y + <usize>c * ldy + <usize>r * 4, load<u32>(x + <usize>r * ldx + <usize>c * 4));
    }
  }
}
