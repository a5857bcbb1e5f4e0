/**
 * A chart as a figure of the report: the SVG and, under it, links that save it as an SVG file or a PNG image.
 * The page's one inline script (FIGURE_EXPORT_SCRIPT) does the saving: the SVG with the chart styles written into
 * it, so it stands alone; the PNG drawn from that SVG onto a canvas at twice the size.
 */
import { CHART_CSS } from './svg.js';
import { esc } from './svg-text.js';

export function figure(name: string, svg: string): string {
  return (
    `<figure data-figure="${esc(name)}">${svg}` +
    `<figcaption class="export">save as <a href="#" data-export="svg" download="${esc(name)}.svg">SVG</a> · ` +
    `<a href="#" data-export="png" download="${esc(name)}.png">PNG</a></figcaption></figure>`
  );
}

/** Plain JavaScript run in the page: no resources fetched, nothing sent anywhere. */
export const FIGURE_EXPORT_SCRIPT = `
(() => {
  const css = ${JSON.stringify(CHART_CSS)};
  const standalone = (svg) => {
    const copy = svg.cloneNode(true);
    const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
    style.textContent = css + 'svg{background:#fff}';
    copy.insertBefore(style, copy.firstChild);
    return new XMLSerializer().serializeToString(copy);
  };
  const save = (blob, name) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  };
  document.addEventListener('click', (e) => {
    const link = e.target instanceof Element ? e.target.closest('a[data-export]') : null;
    if (link === null) return;
    e.preventDefault();
    const svg = link.closest('figure').querySelector('svg');
    const text = standalone(svg);
    const name = link.getAttribute('download');
    if (link.dataset.export === 'svg') return save(new Blob([text], { type: 'image/svg+xml' }), name);
    const img = new Image();
    img.onload = () => {
      const scale = 2;
      const canvas = document.createElement('canvas');
      canvas.width = svg.width.baseVal.value * scale;
      canvas.height = svg.height.baseVal.value * scale;
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((png) => save(png, name), 'image/png');
    };
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(text);
  });
})();
`;
