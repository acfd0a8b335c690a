// Runs one image through a checkpoint's network and collects what `cnn viz maps` draws: the
// input and each conv layer's maps (network.layerOutput after a forward pass).
import type { LoadedCheckpoint } from '../train/training-checkpoint';
import { createRuntime } from '../train/runtime';
import type { InputImage } from './input-image';
import { mapSection, mapSources, type MapSection } from './maps';

export interface FeatureMaps {
  sections: MapSection[];
  probabilities: Float32Array;
  predicted: number;
}

export async function featureMaps(
  ckpt: LoadedCheckpoint,
  image: InputImage,
  classNames: string[],
  o: { threads: number; maxMaps: number },
): Promise<FeatureMaps> {
  const plan = ckpt.plan;
  const runtime = createRuntime(plan, { maxBatch: 1, threads: o.threads });
  runtime.params.set(ckpt.params);
  const probabilities = new Float32Array(plan.classes);
  await runtime.net.forward(image.x, 1, probabilities);
  let predicted = 0;
  for (let k = 1; k < plan.classes; k++) if (probabilities[k] > probabilities[predicted]) predicted = k;
  const name = (k: number) => classNames[k] ?? String(k);
  const [c, h, w] = plan.input;
  const verdict = `predicted ${name(predicted)} (${(100 * probabilities[predicted]).toFixed(1)}%)`;
  const sections: MapSection[] = [];
  // The input as the network sees it (normalised, padded), one tile per channel unless RGB.
  sections.push(mapSection(`input ${image.description}: ${verdict}`, image.x, [c, h, w], c === 3, o.maxMaps));
  for (const { conv, shown } of mapSources(plan)) {
    const shape = shown.outputShape;
    const out = new Float32Array(shape[0] * shape[1] * shape[2]);
    runtime.net.layerOutput(shown.index, 1, out);
    const after = shown === conv ? '' : ` (after ${shown.name})`;
    const capped = shape[0] > o.maxMaps ? `, first ${o.maxMaps}` : '';
    sections.push(
      mapSection(
        `${conv.name}${after}: ${shape[0]} maps ${shape[1]}x${shape[2]}${capped}`,
        out,
        shape,
        false,
        o.maxMaps,
      ),
    );
  }
  return { sections, probabilities, predicted };
}
