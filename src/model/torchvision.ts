// Weights trained in PyTorch: a safetensors file holding a torchvision model's state_dict (as
// docs/pytorch-weights.md shows how to write) has no cnn metadata, so the model is recognised
// from its tensors. The zoo models below use torchvision's layer names; the one whose
// parameter names and shapes equal the file's (the class count read from the head) is the
// model. BatchNorm's num_batches_tracked counters (int64) carry no weight and are skipped.
// The weights expect torchvision's ImageNet normalisation.
import { getModel } from './zoo';
import { planModel } from './plan';
import type { Plan } from './types';

/** The torchvision architectures cnn reads, as cnn's zoo names them, with torchvision's name where it differs. */
export const TORCHVISION_MODELS: readonly { zoo: string; torchvision: string }[] = [
  { zoo: 'resnet18', torchvision: 'resnet18' },
  { zoo: 'resnet34', torchvision: 'resnet34' },
  { zoo: 'vgg11', torchvision: 'vgg11' },
  { zoo: 'vgg13', torchvision: 'vgg13' },
  { zoo: 'vgg16', torchvision: 'vgg16' },
  { zoo: 'vgg19', torchvision: 'vgg19' },
  { zoo: 'alexnet-owt', torchvision: 'alexnet' },
];

/** torchvision's transforms.Normalize for its ImageNet weights, per RGB channel of pixels in [0, 1]. */
export const IMAGENET_NORMALIZATION = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

export const BATCHES_TRACKED = '.num_batches_tracked';

/** The batch-norm counters a plan's state_dict has besides its parameters. */
export function batchCounterNames(plan: Plan): string[] {
  return plan.layers.filter((l) => l.type === 'batchnorm').map((l) => l.name + BATCHES_TRACKED);
}

/** Why `plan` does not fit the tensors (name -> shape), or null when it does exactly. */
function mismatch(plan: Plan, shapes: ReadonlyMap<string, readonly number[]>): string | null {
  const expected = new Set(batchCounterNames(plan));
  for (const layer of plan.layers) {
    for (const t of layer.params) {
      expected.add(t.name);
      const found = shapes.get(t.name);
      if (!found) return `it has no tensor "${t.name}"`;
      if (found.length !== t.shape.length || found.some((d, i) => d !== t.shape[i])) {
        return `tensor "${t.name}" is [${found.join(', ')}], not [${t.shape.join(', ')}]`;
      }
    }
  }
  const extra = [...shapes.keys()].find((name) => !expected.has(name));
  return extra === undefined ? null : `tensor "${extra}" has no place in it`;
}

/**
 * The plan of the torchvision model whose state_dict `shapes` is (its class count from the
 * file), planned at its usual 224x224 input. Throws naming the file and the nearest model's
 * first mismatch.
 */
export function recognizeStateDict(file: string, shapes: ReadonlyMap<string, readonly number[]>): Plan {
  const misses: string[] = [];
  for (const { zoo, torchvision } of TORCHVISION_MODELS) {
    const spec = getModel(zoo);
    const probe = planModel(spec);
    const head = [...probe.layers].reverse().find((l) => l.type === 'dense')!;
    const headWeight = shapes.get(`${head.name}.weight`);
    if (!headWeight || headWeight.length !== 2 || !(headWeight[0] >= 1)) continue;
    const plan = headWeight[0] === probe.classes ? probe : planModel(spec, { classes: headWeight[0] });
    const why = mismatch(plan, shapes);
    if (why === null) return plan;
    misses.push(`not torchvision's ${torchvision} (${why})`);
  }
  const names = TORCHVISION_MODELS.map((m) => m.torchvision).join(', ');
  const detail = misses.length
    ? `: ${misses.slice(0, 2).join('; ')}`
    : ` (none of their heads, "fc.weight" or "classifier.6.weight", is in it)`;
  throw new Error(
    `${file}: not a cnn checkpoint (no cnn metadata) and not the state_dict of a torchvision ${names}${detail}. See docs/pytorch-weights.md.`,
  );
}
