// The options of `cnn train` that shape the training recipe beyond plain SGD: --optimizer,
// --label-smoothing, --class-weights, --early-stop, --keep and --precision. They are validated here and
// become TrainSettings fields, so a resumed run repeats them exactly.
import { InvalidArgumentError, Option, type Command } from 'commander';
import * as parse from './parse-options';
import { UsageError } from './errors';
import type { Dataset, ImageSet } from '../data/dataset';
import { IMAGENET_NORMALIZATION } from '../model/torchvision';
import type { TrainSettings } from '../train/training-checkpoint';
import { ADAMW_DEFAULTS, OPTIMIZERS, type OptimizerName } from '../train/optimizer';
import { KEEP_CHOICES, type KeepChoice } from '../train/keep-best';
import { ClassWeightsError, classCounts, resolveClassWeights } from '../train/class-weights';
import { precisionOption, type PrecisionChoice } from './precision-option';

export interface RecipeCliOptions {
  normalize?: NormalizeChoice;
  optimizer?: OptimizerName;
  labelSmoothing?: number;
  classWeights?: string;
  earlyStop?: number;
  keep?: KeepChoice;
  precision?: PrecisionChoice;
}

/** Options a resumed run keeps from its checkpoint, each with the value the settings store for it. */
export const RECIPE_FIXED_ON_RESUME: Record<keyof RecipeCliOptions, (s: TrainSettings) => unknown> = {
  normalize: (s) => s.normalize ?? 'dataset',
  optimizer: (s) => s.optimizer ?? 'sgd',
  labelSmoothing: (s) => s.labelSmoothing ?? 0,
  classWeights: (s) => s.classWeightsFrom,
  earlyStop: (s) => s.earlyStop,
  keep: (s) => s.keep ?? 'last',
  precision: (s) => s.precision ?? 'fp32',
};

export function addRecipeOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--optimizer <name>',
        `sgd (with momentum) or adamw (decoupled weight decay; default lr ${ADAMW_DEFAULTS.lr}, weight decay ${ADAMW_DEFAULTS.weightDecay})`,
      ).choices(OPTIMIZERS),
    )
    .option(
      '--label-smoothing <x>',
      "spread this share of each target over all classes (torch's label_smoothing), e.g. 0.1",
      labelSmoothing,
    )
    .option(
      '--class-weights <balanced|list>',
      'weigh each class in the loss: balanced (by the inverse of its training-image count) or one weight per class, comma-separated',
    )
    .option(
      '--early-stop <n>',
      'end the run when the validation accuracy has not improved for N epochs (needs --val)',
      parse.positiveInt,
    )
    .addOption(
      new Option(
        '--normalize <how>',
        "normalise images by the training set's own mean and std, or by ImageNet's as torchvision's pretrained weights expect (default: dataset)",
      ).choices(NORMALIZE_CHOICES),
    )
    .addOption(
      new Option(
        '--keep <which>',
        'the checkpoint --out holds at the end: the best epoch by validation accuracy or the last (default: best with --val, else last)',
      ).choices(KEEP_CHOICES),
    )
    .addOption(precisionOption());
}

function labelSmoothing(value: string): number {
  const n = parse.nonNegativeNumber(value);
  if (n >= 1) throw new InvalidArgumentError('Label smoothing must be at least 0 and below 1 (0.1 is usual).');
  return n;
}

/**
 * The recipe's part of a new run's settings. AdamW's learning rate and weight decay default
 * to torch's (the model's defaults are SGD's and far too large for AdamW).
 */
export function recipeSettings(
  opts: RecipeCliOptions & { lr?: number; weightDecay?: number; momentum?: number },
): Partial<TrainSettings> {
  const s: Partial<TrainSettings> = {};
  if (opts.optimizer === 'adamw') {
    if (opts.momentum !== undefined)
      throw new UsageError("--momentum is SGD's; AdamW uses its own moments (betas 0.9, 0.999).");
    s.optimizer = 'adamw';
    s.betas = [ADAMW_DEFAULTS.beta1, ADAMW_DEFAULTS.beta2];
    s.eps = ADAMW_DEFAULTS.eps;
    s.lr = opts.lr ?? ADAMW_DEFAULTS.lr;
    s.weightDecay = opts.weightDecay ?? ADAMW_DEFAULTS.weightDecay;
  }
  if (opts.labelSmoothing) s.labelSmoothing = opts.labelSmoothing;
  if (opts.normalize === 'imagenet') s.normalize = 'imagenet';
  if (opts.earlyStop !== undefined) s.earlyStop = opts.earlyStop;
  if (opts.precision === 'bf16') s.precision = 'bf16';
  return s;
}

/**
 * What depends on the training and validation images: the class weights (from the counts of
 * the images actually trained on) and --keep's default. Checks that --early-stop and --keep
 * best have validation images to watch. Settings a resumed run stored are left as they are.
 */
export function resolveRecipeData(
  settings: TrainSettings,
  opts: RecipeCliOptions,
  trainSet: ImageSet,
  valSet: ImageSet | null,
  classes: number,
  resumed: boolean,
): void {
  if (resumed) return;
  if (!valSet && settings.earlyStop !== undefined) {
    throw new UsageError(
      '--early-stop watches validation accuracy: give --val N to hold out N training images (the test set is never used for training decisions).',
    );
  }
  if (!valSet && opts.keep === 'best') {
    throw new UsageError(
      '--keep best picks the epoch by validation accuracy: give --val N to hold out N training images.',
    );
  }
  settings.keep = opts.keep ?? (valSet ? 'best' : 'last');
  if (opts.classWeights !== undefined) {
    try {
      settings.classWeights = resolveClassWeights(
        opts.classWeights,
        classes,
        classCounts(trainSet.labels, trainSet.count, classes),
      );
    } catch (e) {
      if (e instanceof ClassWeightsError) throw new UsageError(e.message);
      throw e;
    }
    settings.classWeightsFrom = opts.classWeights;
  }
}

export const NORMALIZE_CHOICES = ['dataset', 'imagenet'] as const;
export type NormalizeChoice = (typeof NORMALIZE_CHOICES)[number];

/** The dataset with the normalisation the settings ask for (--normalize imagenet: torchvision's ImageNet statistics). */
export function normalizedDataset(dataset: Dataset, settings: TrainSettings): Dataset {
  if (settings.normalize !== 'imagenet') return dataset;
  return { ...dataset, mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] };
}

/** The log line of the recipe's options, or null when none is set. */
export function describeRecipe(settings: TrainSettings): string | null {
  const parts: string[] = [];
  if (settings.normalize === 'imagenet') parts.push('ImageNet normalisation');
  if (settings.labelSmoothing) parts.push(`label smoothing ${settings.labelSmoothing}`);
  if (settings.classWeights) {
    const shown = settings.classWeights
      .slice(0, 10)
      .map((w) => Number(w.toPrecision(3)))
      .join(', ');
    parts.push(
      `class weights ${settings.classWeightsFrom === 'balanced' ? 'balanced ' : ''}[${shown}${settings.classWeights.length > 10 ? ', ...' : ''}]`,
    );
  }
  if (settings.earlyStop !== undefined)
    parts.push(
      `early stop after ${settings.earlyStop} epoch${settings.earlyStop === 1 ? '' : 's'} without a better validation accuracy`,
    );
  if (settings.keep === 'best') parts.push('keep the best epoch');
  if (settings.precision === 'bf16') parts.push('bf16 precision');
  return parts.length ? parts.join('; ') : null;
}
