// `cnn export CHECKPOINT --onnx FILE`: the checkpoint's network as a standard ONNX model
// (src/export/onnx-model.ts), runnable in onnxruntime and other ONNX tools.
import { Command } from 'commander';
import { RunError } from './errors';
import { checkOutputPlan } from './output-plan';
import { writeFileAtomically } from '../io/atomic-write';
import { loadCheckpoint } from '../train/training-checkpoint';
import { buildOnnxModel, encodeOnnxModel, INPUT_NAME, ONNX_OPSET, OUTPUT_NAME } from '../export/onnx-model';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../../../package.json') as { version: string };

interface ExportCliOptions {
  onnx: string;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a checkpoint as an ONNX model (opset 13, dynamic batch, softmax output)')
    .argument('<checkpoint>', 'a .safetensors file written by "cnn train"')
    .requiredOption('--onnx <file>', 'the .onnx file to write')
    .action((file: string, opts: ExportCliOptions) => {
      checkOutputPlan([{ option: '--onnx', file: opts.onnx }], [{ option: 'CHECKPOINT', path: file }]);
      let ckpt;
      try {
        ckpt = loadCheckpoint(file);
      } catch (e) {
        throw new RunError((e as Error).message);
      }
      const { name, mean, std, classNames } = ckpt.dataset;
      let bytes: Uint8Array;
      try {
        const model = buildOnnxModel(ckpt.plan, ckpt.params, {
          producerVersion: pkg.version,
          dataset: { name, mean, std, classNames },
        });
        bytes = encodeOnnxModel(model);
      } catch (e) {
        throw new RunError(`${file}: cannot export model ${ckpt.model.name} to ONNX: ${(e as Error).message}`);
      }
      try {
        writeFileAtomically(opts.onnx, bytes, { what: 'ONNX model' });
      } catch (e) {
        throw new RunError((e as Error).message);
      }
      const [c, h, w] = ckpt.plan.input;
      process.stdout.write(
        `wrote ${opts.onnx} (${formatBytes(bytes.length)}): model ${ckpt.model.name}, ONNX opset ${ONNX_OPSET}\n` +
          `  input  "${INPUT_NAME}" float (N, ${c}, ${h}, ${w}), normalised: (pixel/255 - mean) / std, mean ${formatList(mean)}, std ${formatList(std)}\n` +
          `  output "${OUTPUT_NAME}" float (N, ${ckpt.plan.classes}), softmax probabilities\n`,
      );
    });
}

function formatList(values: number[]): string {
  return `[${values.map((v) => v.toFixed(4)).join(', ')}]`;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
