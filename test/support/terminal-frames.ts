/**
 * What a program's output draws on a terminal, line by line: the text written from each point the cursor was put
 * at the start of a line (a carriage return, a line feed, `ESC [ n G`, a restored cursor) up to the next such
 * point, with the furthest column it reached. A progress bar redraws one line many times; each redraw is a frame.
 * Other escape sequences (colours, clearing, cursor visibility, auto-wrap) take no columns.
 */
export interface Frame {
  text: string;
  /** The rightmost column written, counted from 1: the width the frame needs. */
  columns: number;
}

export function terminalFrames(output: string): Frame[] {
  const frames: Frame[] = [];
  let text = '';
  let column = 0;
  let widest = 0;
  let saved = 0;
  const moveTo = (c: number): void => {
    if (text !== '') frames.push({ text, columns: widest });
    text = '';
    column = c;
    widest = c;
  };
  const chars = [...output];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '\r' || ch === '\n') moveTo(0);
    else if (ch === '\b') column = Math.max(0, column - 1);
    else if (ch === '\x1b') {
      const next = chars[i + 1];
      if (next === '[') {
        // a control sequence: parameters, then one final byte in @..~
        let j = i + 2;
        while (j < chars.length && !/[@-~]/.test(chars[j]!)) j++;
        const params = chars.slice(i + 2, j).join('');
        if (chars[j] === 'G') moveTo(Math.max(1, Number(params || '1')) - 1);
        i = j;
      } else {
        if (next === '7') saved = column;
        if (next === '8') moveTo(saved);
        i++;
      }
    } else if (ch >= ' ') {
      text += ch;
      column++;
      widest = Math.max(widest, column);
    }
  }
  moveTo(0);
  return frames;
}
