/**
 * The one page shell every spikerep report is written in: title, styles, body, footer, and the inline script that
 * saves figures (figure.ts); no external resources.
 */
import { FIGURE_EXPORT_SCRIPT } from './figure.js';
import { CHART_CSS, esc } from './svg.js';

export function reportPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
section div.charts{display:flex;flex-wrap:wrap;gap:12px}
section div.stacked figure{display:inline-block}
details.latex{margin:4px 0 12px;font-size:12px;color:#555}details.latex pre{background:#f7f7f9;padding:8px;overflow:auto}
table{border-collapse:collapse}th,td{text-align:left;padding:2px 10px;border-bottom:1px solid #eee}th{color:#555;font-weight:500}
.missing{color:#a33}
figure{margin:0}figcaption.export{font-size:12px;color:#777;text-align:right}
.subtitle-note{color:#555}
${CHART_CSS}
</style></head><body>
<h1>${esc(title)}</h1>
${body}
<footer><p style="color:#888">Written by spikerep; self-contained (inline SVG), viewable offline.</p></footer>
<script>${FIGURE_EXPORT_SCRIPT}</script>
</body></html>
`;
}
