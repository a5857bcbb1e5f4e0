/** The demo's HTML shell; the script (/app.js) fills it in. */
export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>spikerep demo</title>
<link rel="icon" href="data:,">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:20px auto;max-width:1240px;padding:0 16px;color:#222}
h1{font-size:20px;margin:0 0 4px}.sub{color:#666;margin-bottom:14px}
main{display:flex;gap:24px;flex-wrap:wrap}
#pad{width:280px;height:280px;border:1px solid #999;touch-action:none;cursor:crosshair;background:#000}
button{margin:6px 6px 0 0;padding:4px 12px}
#prediction{font-size:64px;font-weight:700;line-height:1;margin:10px 0 4px;color:#1f4e9c}
#detail,#backend,#status{color:#555;font-size:12px}
</style></head><body>
<h1>spikerep — a spiking network in your browser</h1>
<div class="sub" id="model">loading…</div>
<main>
<div>
<canvas id="pad" width="280" height="280"></canvas><br>
<button id="clear">Clear</button><button id="sample">Test image</button>
<div>Prediction</div><div id="prediction">–</div>
<div id="detail"></div><div id="backend"></div><div id="status">loading model…</div>
</div>
<div id="raster"></div>
<div id="rates"></div>
</main>
<p style="color:#888;font-size:12px">Draw a digit and release. The network runs T time steps in a Web Worker; the raster shows the most active neurons of each layer.</p>
<script type="module" src="/app.js"></script>
</body></html>`;
