// Reference outputs of face-api's FaceLandmark68Net, run by face-api itself on tfjs's pure-JS
// CPU backend (tfjs-node would download a native binary, so its import is redirected).
// Usage: node faceapi.cjs MODEL_DIR JOB.json OUT.json
//   JOB.json: [{"name", "rgb": raw RGB file, "width", "height", "box": [x, y, w, h]}]
const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@tensorflow/tfjs-node') request = '@tensorflow/tfjs';
  return resolve.call(this, request, ...rest);
};
const fs = require('fs');
const tf = require('@tensorflow/tfjs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node.js');

async function main() {
  const [modelDir, jobPath, outPath] = process.argv.slice(2);
  await tf.setBackend('cpu');
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  const net = faceapi.nets.faceLandmark68Net;
  const out = [];
  for (const job of JSON.parse(fs.readFileSync(jobPath, 'utf8'))) {
    const bytes = new Uint8Array(fs.readFileSync(job.rgb));
    const rgb = new Int32Array(bytes.buffer, 0, bytes.length / 4);
    const image = tf.tensor3d(rgb, [job.height, job.width, 3], 'int32');
    // face-api's own crop: Box.clipAtImageBorders(...) floors the box.
    const box = new faceapi.Box({ x: job.box[0], y: job.box[1], width: job.box[2], height: job.box[3] })
      .clipAtImageBorders(job.width, job.height);
    const face = tf.slice3d(image, [box.y, box.x, 0], [box.height, box.width, 3]);
    const netInput = await faceapi.toNetInput(face);
    const input = netInput.toBatchTensor(112, true);
    const raw = net.runNet(netInput);
    const landmarks = await net.detectLandmarks(face);
    out.push({
      name: job.name,
      crop: [box.x, box.y, box.width, box.height],
      input: Array.from(input.dataSync()),
      raw: Array.from(raw.dataSync()),
      // Positions in the crop, moved by the crop's (floored) origin.
      points: landmarks.positions.map((p) => [p.x + box.x, p.y + box.y]),
    });
  }
  fs.writeFileSync(outPath, JSON.stringify(out));
}
main().catch((e) => { console.error(e); process.exit(1); });
