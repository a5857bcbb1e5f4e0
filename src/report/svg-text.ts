/** Text placed into SVG and HTML markup, escaped. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Splits `s` into lines of at most `maxChars` characters at spaces (a longer word gets a line of its own). */
export function wrapText(s: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A chart's title and the lines of its subtitle, centred over `width`; returns the markup and where the plot may start. */
export function chartHeading(
  title: string,
  subtitle: string | undefined,
  width: number,
): { markup: string; top: number } {
  const lines = subtitle === undefined ? [] : wrapText(subtitle, Math.floor((width - 24) / 5.6));
  const markup =
    `<text x="${width / 2}" y="16" text-anchor="middle" class="title">${esc(title)}</text>` +
    lines
      .map((l, i) => `<text x="${width / 2}" y="${32 + 13 * i}" text-anchor="middle" class="subtitle">${esc(l)}</text>`)
      .join('');
  return { markup, top: lines.length === 0 ? 30 : 34 + 13 * lines.length };
}
