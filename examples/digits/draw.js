// Draws the example digits (seven.png, two.png, four.png) with a round brush along polylines:
// stand-ins for hand drawings, for `cnn predict`. Run: node examples/digits/draw.js [DIR]
const { PNG } = require('pngjs');
const fs = require('fs');
function draw(file, w, h, strokes, radius, ink, paper) {
  const png = new PNG({ width: w, height: h });
  const cover = new Float32Array(w * h);
  for (const pts of strokes) for (let s = 0; s + 1 < pts.length; s++) {
    const [x0, y0] = pts[s], [x1, y1] = pts[s + 1];
    const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0));
    for (let t = 0; t <= steps; t++) {
      const cx = x0 + (x1 - x0) * t / steps, cy = y0 + (y1 - y0) * t / steps;
      for (let y = Math.floor(cy - radius - 1); y <= cy + radius + 1; y++) for (let x = Math.floor(cx - radius - 1); x <= cx + radius + 1; x++) {
        if (x < 0 || y < 0 || x >= w || y >= h) continue;
        const d = Math.hypot(x - cx, y - cy);
        cover[y * w + x] = Math.max(cover[y * w + x], Math.min(1, Math.max(0, radius + 0.5 - d)));
      }
    }
  }
  for (let p = 0; p < w * h; p++) for (let k = 0; k < 3; k++) { png.data[p * 4 + k] = Math.round(paper[k] * (1 - cover[p]) + ink[k] * cover[p]); png.data[p * 4 + 3] = 255; }
  fs.writeFileSync(file, PNG.sync.write(png, { colorType: 2 }));
}
const curve = (cx, cy, rx, ry, a0, a1, n = 24) => Array.from({ length: n + 1 }, (_, i) => { const a = a0 + (a1 - a0) * i / n; return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)]; });
const out = process.argv[2] || __dirname;
// 7: a top bar with a slight rise, then a long diagonal.
draw(`${out}/seven.png`, 200, 240, [[[48, 58], [100, 52], [156, 50], [150, 66], [128, 110], [108, 160], [96, 205]]], 9, [25, 30, 90], [250, 248, 240]);
// 2: an arc, a diagonal, a base line.
draw(`${out}/two.png`, 220, 220, [[...curve(108, 82, 44, 40, Math.PI * 1.1, Math.PI * 2.15), [70, 172], [62, 182], [160, 180]]], 8, [10, 10, 10], [255, 255, 255]);
// 4: an open four.
draw(`${out}/four.png`, 180, 220, [[[100, 30], [52, 128], [140, 128]], [[118, 78], [116, 200]]], 8, [40, 40, 40], [245, 245, 245]);
