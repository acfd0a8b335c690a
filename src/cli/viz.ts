// `cnn viz filters CHECKPOINT --out FILE.png [--layer NAME]`: a conv layer's kernels as a grid.
// `cnn viz maps CHECKPOINT IMAGE --out FILE.png`: every conv layer's feature maps for one
// image (a PNG file, or test:N for the N-th test image of the checkpoint's dataset).
import { Command } from 'commander';
import * as parse from './parse-options';
import { RunError, UsageError } from './errors';
import { resolveDataset, parseDatasetName } from './resolve';
import { checkOutFile, writeOrFail } from './viz-output';
import { checkOutputPlan, datasetInputs } from './output-plan';
import { loadCheckpoint, type LoadedCheckpoint } from '../train/training-checkpoint';
import { findConvLayer, renderFilters } from '../viz/filters';
import { fileImage, parseTestIndex, testImage, type InputImage } from '../viz/input-image';
import { featureMaps } from '../viz/feature-maps';
import { renderMaps } from '../viz/maps';
import { writePng } from '../viz/png';

function load(file: string): LoadedCheckpoint {
  try {
    return loadCheckpoint(file);
  } catch (e) {
    throw new RunError((e as Error).message);
  }
}

interface FiltersOptions {
  out: string;
  layer?: string;
  scale?: number;
  maxFilters: number;
}
interface MapsOptions {
  out: string;
  threads: number;
  maxMaps: number;
  data?: string;
}

export function registerViz(program: Command): void {
  const viz = program.command('viz').description('pictures of what a trained network learned (filters, feature maps)');
  viz
    .command('filters')
    .description("draw a conv layer's kernels as a grid (default: the first conv layer)")
    .argument('<checkpoint>', 'a .safetensors file written by "cnn train"')
    .requiredOption('--out <file.png>', 'the PNG file to write')
    .option(
      '--layer <name>',
      'the conv layer, by its checkpoint name (conv1, conv2, layer1.0.conv1, ...; see "cnn summary")',
    )
    .option(
      '--scale <n>',
      'magnify each kernel pixel n times (default: about 40 pixels per kernel, 20 for later layers)',
      parse.pictureScale,
    )
    .option(
      '--max-filters <n>',
      'draw at most n filters (and n input channels for later layers)',
      parse.positiveInt,
      64,
    )
    .action((file: string, opts: FiltersOptions) => {
      checkOutFile(opts.out, '--out', ['.png'], [{ option: 'CHECKPOINT', path: file }]);
      const ckpt = load(file);
      let layer;
      try {
        layer = findConvLayer(ckpt.plan, opts.layer, ckpt.model.name);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const pic = renderFilters(ckpt.params, layer, {
        scale: opts.scale,
        maxFilters: opts.maxFilters,
        maxInputs: opts.maxFilters,
      });
      writeOrFail(() => writePng(opts.out, pic.canvas));
      const shape = layer.params.find((p) => p.role === 'weight')!.shape;
      const what =
        pic.mode === 'per-input'
          ? `${pic.filtersShown} filters (rows) x ${pic.inputsShown} input channels (columns)`
          : `${pic.filtersShown} ${pic.mode === 'rgb' ? 'RGB' : 'grey'} filters`;
      const capped =
        pic.filtersShown < shape[0] || (pic.mode === 'per-input' && pic.inputsShown < shape[1])
          ? ` (of ${shape[0]}x${shape[1]}; --max-filters)`
          : '';
      process.stdout.write(
        `wrote ${layer.name} [${shape.join('x')}]: ${what}${capped}, ${shape[2]}x${shape[3]} kernels, to ${opts.out} (${pic.canvas.width}x${pic.canvas.height})\n`,
      );
    });
  viz
    .command('maps')
    .description('draw the feature maps of every conv layer for one image')
    .argument('<checkpoint>', 'a .safetensors file written by "cnn train"')
    .argument(
      '<image>',
      'a PNG or JPEG file, or test:N for the N-th image of the test set the checkpoint was trained on',
    )
    .requiredOption('--out <file.png>', 'the PNG file to write')
    .option('--max-maps <n>', 'draw at most n maps per layer', parse.positiveInt, 64)
    .option('--data <dir>', 'with test:N, the dataset directory (default: where the checkpoint was trained from)')
    .option('--threads <n>', 'compute threads', parse.threads, parse.defaultThreads())
    .action(async (file: string, imageArg: string, opts: MapsOptions) => {
      const index = parseTestIndex(imageArg);
      const imageInput = index === null ? [{ option: 'IMAGE', path: imageArg }] : [];
      checkOutFile(opts.out, '--out', ['.png'], [{ option: 'CHECKPOINT', path: file }, ...imageInput]);
      if (index === null && imageArg.startsWith('test:'))
        throw new UsageError(`IMAGE ${imageArg}: write test:N with N a whole number (test:0 is the first test image)`);
      const ckpt = load(file);
      let image: InputImage;
      const datasetName = index !== null ? parseDatasetName(ckpt.dataset.name) : null;
      // resolveDataset reports its own errors; the picture must not go into the dataset read.
      const dataset = datasetName !== null ? resolveDataset(datasetName, opts.data ?? ckpt.dataset.dir) : null;
      if (dataset) checkOutputPlan([{ option: '--out', file: opts.out }], datasetInputs(dataset));
      try {
        if (dataset !== null && index !== null) {
          image = testImage(ckpt, dataset.test, index);
        } else {
          image = await fileImage(ckpt, imageArg);
        }
      } catch (e) {
        throw new RunError((e as Error).message);
      }
      const maps = await featureMaps(ckpt, image, ckpt.dataset.classNames, {
        threads: opts.threads,
        maxMaps: opts.maxMaps,
      });
      const canvas = renderMaps(maps.sections);
      writeOrFail(() => writePng(opts.out, canvas));
      const name = ckpt.dataset.classNames[maps.predicted] ?? String(maps.predicted);
      if (image.steps) process.stdout.write(`${image.description}: ${image.steps.join(', ')}\n`);
      process.stdout.write(
        `${image.description}: predicted ${name} (${(100 * maps.probabilities[maps.predicted]).toFixed(1)}%)\n`,
      );
      process.stdout.write(
        `wrote the maps of ${maps.sections.length - 1} conv layers to ${opts.out} (${canvas.width}x${canvas.height})\n`,
      );
    });
}
