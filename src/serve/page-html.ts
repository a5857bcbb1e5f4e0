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
#train-panel{border-top:1px solid #ccc;margin-top:24px;padding-top:8px}
#train-panel h2{font-size:17px;margin:0 0 6px}
#train-form label{margin-right:12px;white-space:nowrap}
#train-form input{width:64px}
#train-status,#train-backend-note,#train-missing{color:#555;font-size:12px;margin-top:4px}
#train-missing{color:#a33}
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
<div id="output-rates"></div>
<div id="raster"></div>
<div id="rates"></div>
</main>
<p style="color:#888;font-size:12px">Draw a digit and release. The network runs T time steps in a Web Worker. Each output neuron stands for a class; its rate is the share of the T steps it fired. The raster shows a fixed random sample of each layer's neurons (every output neuron), the line chart the share of each layer's neurons firing at each step.</p>
<section id="train-panel">
<h2>Train here</h2>
<div id="train-form">
<label>dataset <select id="train-dataset"></select></label>
<label>T <input id="train-T" data-label="T" type="number" min="1" max="32" value="4"></label>
<label>neuron <select id="train-neuron"><option value="if">IF</option><option value="lif">LIF</option></select></label>
<label>epochs <input id="train-epochs" data-label="epochs" type="number" min="1" max="100" value="1"></label>
<label>training images <input id="train-size" data-label="training images" type="number" min="1" value="2000"></label>
<label>test images <input id="train-test-size" data-label="test images" type="number" min="1" value="500"></label>
<label>batch <input id="train-batch" data-label="batch" type="number" min="1" max="1024" value="32"></label>
<label>backend <select id="train-backend"><option value="auto">auto</option><option value="wasm">wasm</option><option value="webgpu">webgpu</option></select></label>
<button id="train-start">Train</button><button id="train-stop" disabled>Stop</button>
</div>
<div id="train-missing"></div><div id="train-backend-note"></div><div id="train-status">pick a dataset and press Train</div>
<main><div id="train-loss"></div><div id="train-accuracy"></div><div id="train-raster"></div></main>
<a id="train-checkpoint" hidden>Download checkpoint</a> <button id="train-nir" disabled>Download NIR</button>
</section>
<p style="color:#888;font-size:12px">Train here trains a small convnet (the CLI's mnistnet, its defaults but no warm-up) in a Web Worker on the first images of the training set, with the library's own training code; the checkpoint reads in <code>spikerep eval --checkpoint</code>, the NIR file in <code>spikerep import</code>.</p>
<script type="module" src="/app.js"></script>
</body></html>`;
