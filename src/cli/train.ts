// `cnn train MODEL`: options, validation and the run; the loop itself is src/train/trainer.ts.
import { Command, Option } from 'commander';
import * as parse from './parse-options';
import { UsageError, RunError } from './errors';
import {
  resolveModel,
  resolveDataset,
  parseDatasetName,
  looksLikeModelFile,
  isImageData,
  resolveImageData,
} from './resolve';
import { CACHE_DIR_VARIABLE, defaultCacheDir } from '../data/image-cache';
import { DEFAULT_TEST_SPLIT } from '../data/image-folder-dataset';
import { checkOutputPlan, datasetInputs, type PlannedInput, type PlannedOutput } from './output-plan';
import { safeFileName } from '../io/safe-name';
import { lockOutputs, OutputLockError, type OutputLock } from '../io/output-lock';
import { planWithOptions } from './plan-options';
import { initParams } from '../model/init';
import type { Plan, Shape, TrainDefaults } from '../model/types';
import { limitSet, type Dataset, type ImageSet } from '../data/dataset';
import { splitValidation } from '../data/split';
import { formatAugment, parseAugment } from '../data/augment';
import { Batcher } from '../data/batcher';
import { Rng } from '../train/rng';
import { createRuntime } from '../train/runtime';
import { createProgress, type ProgressReporter } from '../train/progress';
import { DEFAULT_PLATEAU_PATIENCE, SCHEDULES, type ScheduleName } from '../train/schedule';
import { train, DivergedError, type TrainOutcome } from '../train/trainer';
import { loadCheckpoint, type TrainSettings, type LoadedCheckpoint } from '../train/training-checkpoint';
import { parseDuration } from './duration';
import { applyDefaultThreads } from './default-threads';
import { InterruptGuard, StopSignal } from './interrupt';
import type { EpochMetrics } from '../train/metrics';
import { checkResumedModel } from './resume-check';
import {
  defaultRankThreads,
  describeDistributed,
  distributedProgress,
  startDistributed,
} from '../distributed/cli-support';
import { bucketFloatsOf, DEFAULT_GRADIENT_BUCKET_MB } from '../distributed/data-parallel';
import { SWAP_ACTIVATIONS, swapActivations, type SwapActivation } from '../model/activation-swap';
import { applyDataOptions, describeDataOptions, type DataOptions } from '../data/data-options';
import { resolveFrozen, transferWeights } from '../train/transfer';
import { describeFingerprint, fingerprintOf, sameFingerprint, type DataFingerprint } from '../data/fingerprint';
import { networkSettingsFromEnv } from './network-settings';
import { precisionNote, resolvePrecision } from './precision-option';
import {
  addRecipeOptions,
  describeRecipe,
  normalizedDataset,
  recipeSettings,
  resolveRecipeData,
  RECIPE_FIXED_ON_RESUME,
  type RecipeCliOptions,
} from './train-recipe';
import { describeUpdate, optimizerOf } from '../train/optimizer';
import { promoteBestCheckpoint } from '../train/keep-best';

const FALLBACK_DEFAULTS: TrainDefaults = {
  epochs: 10,
  batchSize: 64,
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: 'cosine',
};

export interface TrainCliOptions extends RecipeCliOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  schedule?: string;
  threads: number;
  seed: number;
  out?: string;
  metrics?: string;
  data?: string;
  dataset: string;
  limit?: number;
  resume?: string;
  input?: Shape;
  classes?: number;
  checkpointEvery: string;
  val: number;
  augment?: string;
  warmup: number;
  patience: number;
  distributed?: boolean;
  collectiveTimeout: number;
  syncBatchNorm: boolean;
  gradientBuckets: number;
  from?: string;
  freeze?: string;
  reinitHead?: boolean;
  labels?: number[];
  permutePixels?: number;
  activation?: SwapActivation;
  testSplit?: number;
  cacheDir?: string;
  skipBadImages?: boolean;
}

export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description('train a model on a dataset and save a checkpoint')
    .argument('<model>', 'a model name (see "cnn models") or a JSON model file')
    .option('--epochs <n>', "passes over the training set (default: the model's)", parse.positiveInt)
    .option('--batch-size <n>', "images per SGD step (default: the model's)", parse.batchSize)
    .option('--lr <x>', "learning rate (default: the model's)", parse.learningRate)
    .option('--momentum <x>', "SGD momentum (default: the model's)", parse.momentum)
    .option('--weight-decay <x>', "L2 weight decay on conv and dense weights (default: the model's)", parse.weightDecay)
    .addOption(new Option('--schedule <name>', "learning-rate schedule (default: the model's)").choices(SCHEDULES))
    .option('--threads <n>', 'compute threads', parse.threads, parse.defaultThreads())
    .option('--seed <n>', 'random seed for initialisation and shuffling', parse.nonNegativeInt, 1)
    .option('--out <file>', 'checkpoint file (default: <model>.safetensors)')
    .option('--metrics <file>', 'append one JSON line per epoch to this file')
    .option('--dataset <name>', 'mnist, fashion-mnist or cifar10 (see "cnn datasets")', 'mnist')
    .option(
      '--data <dir>',
      'a folder of class folders of images (or train/ and test/ folders of them), a CSV manifest of path,label lines, or a directory with the four IDX files (plain or .gz)',
    )
    .option(
      '--test-split <fraction>',
      'with an image folder or CSV without train/ and test/: the fraction of each class held out for testing',
      parse.testSplit,
    )
    .option(
      '--cache-dir <dir>',
      `with an image folder or CSV: where the decoded images are cached (default: $${CACHE_DIR_VARIABLE} or ~/.cache/cnn/images)`,
    )
    .option(
      '--skip-bad-images',
      'with an image folder or CSV: leave out unreadable images (counted and named) instead of stopping',
    )
    .option('--limit <n>', 'use only the first N training images', parse.positiveInt)
    .option(
      '--val <n>',
      'hold out N training images for validation (plateau schedule, best epoch)',
      parse.nonNegativeInt,
      0,
    )
    .option(
      '--augment <list>',
      "augmentation when batches are formed, e.g. shift=2,rotate=10,scale=0.1,flip,crop=4, or none (default: the model's)",
    )
    .option('--warmup <epochs>', 'linear learning-rate warm-up over this many epochs', parse.nonNegativeNumber, 0)
    .option(
      '--patience <n>',
      'plateau schedule: epochs without a better validation accuracy before dividing the rate by 10',
      parse.positiveInt,
      DEFAULT_PLATEAU_PATIENCE,
    )
    .option('--input <C,H,W>', "input shape (default: the model's)", parse.shape)
    .option('--classes <n>', "number of classes (default: the model's)", parse.classCount)
    .option(
      '--checkpoint-every <duration>',
      'also checkpoint within an epoch this often (e.g. 90s, 5m; 0 turns it off)',
      '5m',
    )
    .option('--resume <file>', 'continue the run saved in this checkpoint')
    .option(
      '--distributed',
      'data-parallel training across the processes of mpirun (MPI); --batch-size is the global batch',
    )
    .option(
      '--collective-timeout <seconds>',
      'with --distributed: end the run if the other ranks do not answer within this long',
      parse.positiveInt,
      120,
    )
    .option(
      '--gradient-buckets <MB>',
      'with --distributed: sum the gradients across ranks in buckets of this many MB during the backward pass (0: in one allreduce after it)',
      parse.nonNegativeNumber,
      DEFAULT_GRADIENT_BUCKET_MB,
    )
    .option(
      '--no-sync-batch-norm',
      "with --distributed: batch norm normalises each rank's images alone (by default its statistics are over the global batch, as PyTorch's SyncBatchNorm)",
    )
    .option('--from <checkpoint>', "transfer learning: start from this checkpoint's weights (matched by tensor name)")
    .option(
      '--freeze <layers>',
      'comma-separated layer names (as "cnn summary" prints them) or blocks that get no update, or all-but-head',
    )
    .option('--reinit-head', 'with --from: start the final dense layer afresh (e.g. for a new --classes)')
    .option(
      '--labels <list>',
      'keep only these labels, renumbered 0..k-1 in this order, e.g. 0-4 or 5,6,7,8,9',
      parse.labelList,
    )
    .option(
      '--permute-pixels <seed>',
      'apply one fixed random pixel permutation (from this seed) to every image',
      parse.nonNegativeInt,
    )
    .addOption(new Option('--activation <name>', 'replace every activation of the model').choices(SWAP_ACTIVATIONS));
  addRecipeOptions(command).action(async (modelArg: string, opts: TrainCliOptions, cmd: Command) => {
    const stop = new StopSignal();
    const result = await runTrain(modelArg, opts, {
      isExplicit: (key) => cmd.getOptionValueSource(key) === 'cli',
      stop,
      handleSignals: true,
    });
    if (result.status === 'stopped') throw new RunError('', stop.exitCode);
  });
}

/** How a caller (the CLI action or the library's train()) takes part in a run. */
export interface TrainHooks {
  /** True when the caller set this option itself (a resumed run refuses changes to some; the default differs for others). */
  isExplicit(key: keyof TrainCliOptions): boolean;
  /** Polled after every step; once requested, the run finishes the step, saves and returns 'stopped'. */
  stop: StopSignal;
  /** SIGINT and SIGTERM request the stop (the CLI); a library leaves the process's signals alone. */
  handleSignals?: boolean;
  /** Where progress and log lines go (default: a bar or lines on stdout). */
  progress?: ProgressReporter;
  /** Called after each epoch with the object --metrics writes. */
  onEpoch?: (metrics: EpochMetrics) => void;
}

export interface TrainResult extends TrainOutcome {
  /** The checkpoint written. */
  out: string;
  seconds: number;
}

/**
 * Options that change what is trained, each with the value a checkpoint stores for it. A
 * resumed run keeps the checkpoint's: the option may be given again (a restart script reruns
 * its own command line), but only with that value.
 */
const FIXED_ON_RESUME: Record<string, (r: LoadedCheckpoint) => unknown> = {
  batchSize: (r) => r.settings!.batchSize,
  lr: (r) => r.settings!.lr,
  momentum: (r) => r.settings!.momentum,
  weightDecay: (r) => r.settings!.weightDecay,
  schedule: (r) => r.settings!.schedule,
  seed: (r) => r.settings!.seed,
  limit: (r) => r.settings!.limit,
  input: (r) => r.plan.input,
  classes: (r) => r.plan.classes,
  dataset: (r) => r.dataset.name,
  val: (r) => r.settings!.val,
  augment: (r) => r.settings!.augment,
  warmup: (r) => r.settings!.warmupEpochs,
  patience: (r) => r.settings!.patience,
  freeze: (r) => [...(r.settings!.freeze ?? [])].sort(),
  reinitHead: (r) => r.settings!.reinitHead ?? false,
  labels: (r) => r.dataset.labels,
  permutePixels: (r) => r.dataset.permutePixels,
  activation: (r) => r.settings!.activation,
  testSplit: (r) => r.dataset.imageFolder?.testSplit,
  skipBadImages: (r) => r.dataset.imageFolder?.skipBadImages,
};
for (const [key, stored] of Object.entries(RECIPE_FIXED_ON_RESUME) as [string, (s: TrainSettings) => unknown][]) {
  FIXED_ON_RESUME[key] = (r) => stored(r.settings!);
}

/**
 * Refuses an option given on the command line with another value than the resumed run's.
 * `asked` names a given value as the user wrote it where it was resolved (--precision auto).
 */
function checkUnchangedOnResume(
  opts: TrainCliOptions,
  hooks: TrainHooks,
  resumed: LoadedCheckpoint,
  file: string,
  asked: Partial<Record<string, string>> = {},
): void {
  for (const [key, storedOf] of Object.entries(FIXED_ON_RESUME)) {
    if (!hooks.isExplicit(key as keyof TrainCliOptions)) continue;
    const raw = opts[key as keyof TrainCliOptions];
    const given =
      key === 'augment'
        ? augmentOption(raw as string)
        : key === 'freeze'
          ? frozenLayers(resumed.plan, raw as string).sort()
          : raw;
    const stored = storedOf(resumed);
    if (JSON.stringify(given) === JSON.stringify(stored)) continue;
    const flag = '--' + key.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase());
    const text = (v: unknown) =>
      v === undefined || v === null ? 'not set' : Array.isArray(v) ? v.join(',') : String(v);
    throw new UsageError(
      `Option ${flag} ${asked[key] ?? text(given)} differs from the run in ${file}, which has ${text(stored)}: a resumed run keeps its settings. ` +
        `Leave ${flag} out (or give it as stored), or start a new run with another --out.`,
    );
  }
}

/** --freeze's layer list, resolved against the plan. */
function frozenLayers(plan: Plan, list: string): string[] {
  try {
    return resolveFrozen(
      plan,
      list
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    );
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function settingsFor(plan: Plan, opts: TrainCliOptions): TrainSettings {
  const d = { ...FALLBACK_DEFAULTS, ...(plan.model.defaults ?? {}) };
  const schedule = (opts.schedule ?? d.schedule) as ScheduleName;
  const epochs = opts.epochs ?? d.epochs;
  return {
    epochs,
    batchSize: opts.batchSize ?? d.batchSize,
    lr: opts.lr ?? d.lr,
    momentum: opts.momentum ?? d.momentum,
    weightDecay: opts.weightDecay ?? d.weightDecay,
    schedule,
    stepEvery: Math.max(1, Math.round(epochs / 3)),
    warmupEpochs: opts.warmup,
    seed: opts.seed,
    limit: opts.limit ?? null,
    val: opts.val,
    augment: augmentOption(opts.augment ?? d.augment ?? 'none'),
    patience: opts.patience,
    ...(opts.from ? { from: opts.from, reinitHead: opts.reinitHead === true } : {}),
    ...(opts.activation ? { activation: opts.activation } : {}),
    ...recipeSettings(opts),
  };
}

function augmentOption(text: string): string {
  try {
    return formatAugment(parseAugment(text));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Everything the run reads, which its outputs must never replace (output-plan.ts). */
function trainInputs(modelArg: string, opts: TrainCliOptions, dataset: Dataset): PlannedInput[] {
  const inputs: PlannedInput[] = datasetInputs(dataset);
  if (looksLikeModelFile(modelArg)) inputs.push({ option: 'MODEL', path: modelArg });
  // A resumed run updates its own checkpoint in place (atomically): --out may be that file.
  if (opts.resume) inputs.push({ option: '--resume', path: opts.resume, replacedBy: '--out' });
  if (opts.from) inputs.push({ option: '--from', path: opts.from });
  return inputs;
}

export async function runTrain(modelArg: string, opts: TrainCliOptions, hooks: TrainHooks): Promise<TrainResult> {
  // Released however the run ends, a failure while setting up included: a library caller may start another run on the same files.
  const locks: OutputLock[] = [];
  try {
    return await runTrainLocked(modelArg, opts, hooks, locks);
  } finally {
    for (const lock of locks) lock.release();
  }
}

async function runTrainLocked(
  modelArg: string,
  opts: TrainCliOptions,
  hooks: TrainHooks,
  locks: OutputLock[],
): Promise<TrainResult> {
  const checkpointEveryMs = parseDuration(opts.checkpointEvery, '--checkpoint-every');
  if (opts.syncBatchNorm === false && !opts.distributed)
    throw new UsageError('--no-sync-batch-norm only applies with --distributed');
  if (hooks.isExplicit('gradientBuckets') && !opts.distributed)
    throw new UsageError('--gradient-buckets only applies with --distributed');
  const dist = startDistributed(
    opts.distributed === true,
    opts.collectiveTimeout,
    opts.syncBatchNorm !== false,
    bucketFloatsOf(opts.gradientBuckets),
  );
  if (dist && !hooks.isExplicit('threads')) opts.threads = defaultRankThreads();
  const threadNote = dist ? null : await applyDefaultThreads(hooks.isExplicit('threads'), opts);
  // auto becomes the precision it picks here, so the settings, the resume check and the log see that one.
  const precisionChoice = resolvePrecision(opts.precision);
  const askedPrecision = opts.precision === 'auto' ? { precision: `auto (${precisionChoice.precision} here)` } : {};
  opts.precision = precisionChoice.precision;
  let resumed: LoadedCheckpoint | null = null;
  let plan: Plan;
  let settings: TrainSettings;
  if (opts.resume && opts.from) {
    throw new UsageError(
      `--from and --resume cannot be combined: --resume continues ${opts.resume} with its own weights; --from starts a new run from another checkpoint's.`,
    );
  }
  if (opts.reinitHead && !opts.from)
    throw new UsageError('--reinit-head needs --from CHECKPOINT (the weights to start from).');
  if (opts.resume) {
    try {
      resumed = loadCheckpoint(opts.resume);
    } catch (e) {
      throw new RunError(`Cannot resume: ${(e as Error).message}`);
    }
    const requested = resolveModel(modelArg);
    if (requested.name !== resumed.model.name) {
      throw new UsageError(
        `Checkpoint ${opts.resume} holds model ${resumed.model.name}, not ${requested.name}; run "cnn train ${resumed.model.name} --resume ${opts.resume}".`,
      );
    }
    checkResumedModel(requested, modelArg, opts.resume, resumed.plan, resumed.settings?.activation);
    if (!resumed.settings || !resumed.position || !resumed.velocity) {
      throw new RunError(
        `Checkpoint ${opts.resume} has no training state to resume from (it was not written by "cnn train").`,
      );
    }
    checkUnchangedOnResume(opts, hooks, resumed, opts.resume, askedPrecision);
    plan = resumed.plan;
    settings = { ...resumed.settings, epochs: opts.epochs ?? resumed.settings.epochs };
    const done = resumed.position.epoch;
    if (settings.epochs < done) {
      throw new UsageError(
        `--epochs ${settings.epochs} is fewer than the ${done} epochs ${opts.resume} has already trained; give --epochs ${done + 1} or more to train further.`,
      );
    }
    if (done === settings.epochs) {
      // Not an error: a script that reruns its command until it succeeds must stop here.
      const line =
        `${opts.resume}: the run is complete (${done} of ${settings.epochs} epoch${done === 1 ? '' : 's'} trained); nothing to do. ` +
        `To train further, resume with a larger --epochs, e.g. cnn train ${modelArg} --resume ${opts.resume} --epochs ${2 * done}.`;
      if (hooks.progress) hooks.progress.log(line);
      else process.stdout.write(line + '\n');
      return {
        status: 'done',
        epochs: [],
        finalTest: null,
        position: resumed.position,
        bestEpoch: null,
        out: opts.out ?? resumed.file,
        seconds: 0,
      };
    }
  } else {
    let model = resolveModel(modelArg);
    if (opts.activation) {
      const swap = swapActivations(model, opts.activation);
      if (swap.swapped === 0)
        throw new UsageError(
          `--activation ${opts.activation}: model ${model.name} has no relu, tanh, sigmoid, scaled-tanh, leaky-relu or gelu layer to replace.`,
        );
      model = swap.model;
    }
    // With --labels the head has one output per listed label, unless --classes says otherwise.
    plan = planWithOptions(model, { input: opts.input, classes: opts.classes ?? opts.labels?.length });
    settings = settingsFor(plan, opts);
    if (opts.freeze !== undefined) settings.freeze = frozenLayers(plan, opts.freeze);
    if (settings.schedule === 'plateau' && settings.val === 0) {
      throw new UsageError(
        'The plateau schedule watches validation accuracy: give --val N (e.g. --val 5000) to hold out N training images; the test set is never used for training decisions.',
      );
    }
  }

  const dataDir = opts.data ?? (resumed ? resumed.dataset.dir : undefined);
  const dataOptions: DataOptions = resumed
    ? { labels: resumed.dataset.labels, permutePixels: resumed.dataset.permutePixels }
    : { labels: opts.labels, permutePixels: opts.permutePixels };
  const imageFolder = resumed ? resumed.dataset.imageFolder : undefined;
  const images = imageFolder !== undefined || (!resumed && isImageData(opts.data, hooks.isExplicit('dataset')));
  if (!images) {
    for (const key of ['testSplit', 'cacheDir', 'skipBadImages'] as const) {
      if (hooks.isExplicit(key))
        throw new UsageError(
          `--${key.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase())} applies to a folder of images or a CSV manifest given with --data`,
        );
    }
  }
  const earlyLog = (line: string) => (hooks.progress ? hooks.progress.log(line) : process.stdout.write(line + '\n'));
  let dataset = images
    ? await resolveImageData(opts.data ?? imageFolder!.source, {
        shape: [...plan.input] as [number, number, number],
        testSplit: opts.testSplit ?? DEFAULT_TEST_SPLIT,
        cacheDir: opts.cacheDir ?? defaultCacheDir(),
        skipBadImages: imageFolder ? imageFolder.skipBadImages : opts.skipBadImages === true,
        log: dist && !dist.isRoot ? () => undefined : earlyLog,
        expected: imageFolder,
      })
    : resolveDataset(parseDatasetName(resumed ? resumed.dataset.name : opts.dataset), dataDir);
  try {
    dataset = applyDataOptions(dataset, dataOptions);
  } catch (e) {
    throw new UsageError(`--labels: ${(e as Error).message}`);
  }
  dataset = normalizedDataset(dataset, settings);
  if (dataset.classes > plan.classes) {
    throw new RunError(
      `Dataset ${dataset.name} has ${dataset.classes} classes but model ${plan.model.name} has ${plan.classes} outputs; use --classes ${dataset.classes}.`,
    );
  }
  if (dataset.train.count === 0) {
    throw new UsageError(
      `--labels ${dataOptions.labels!.join(',')}: no training image of ${dataset.name} has one of these labels.`,
    );
  }
  let trainSet: ImageSet = settings.limit
    ? limitSet(dataset.train, Math.min(settings.limit, dataset.train.count))
    : dataset.train;
  const fingerprint = fingerprintOf(trainSet);
  if (resumed) checkResumedData(resumed, opts.resume!, fingerprint, settings.batchSize);
  let valSet: ImageSet | null = null;
  if (settings.val > 0) {
    if (settings.val >= trainSet.count) {
      throw new UsageError(`--val ${settings.val} would leave no training images (there are ${trainSet.count}).`);
    }
    ({ train: trainSet, val: valSet } = splitValidation(trainSet, settings.val, settings.seed));
  }
  resolveRecipeData(settings, opts, trainSet, valSet, plan.classes, resumed !== null);
  // A name from a model file must not steer the checkpoint out of the working directory.
  const out = opts.out ?? resumed?.file ?? `${safeFileName(plan.model.name)}.safetensors`;
  const outputs: PlannedOutput[] = [{ option: '--out', file: out }];
  if (opts.metrics !== undefined) outputs.push({ option: '--metrics', file: opts.metrics });
  const writes = !dist || dist.isRoot;
  if (writes) checkOutputPlan(outputs, trainInputs(modelArg, opts, dataset));
  // Held until the run ends (released on exit too): a second run on the same files refuses.
  if (writes) locks.push(...takeLocks(outputs));

  const frozen = new Set(settings.freeze ?? []);
  const adamw = optimizerOf(settings) === 'adamw';
  const runtime = createRuntime(plan, {
    maxBatch: dist ? dist.localMaxBatch(settings.batchSize) : settings.batchSize,
    threads: opts.threads,
    frozen,
    secondMoment: adamw,
    loss: { labelSmoothing: settings.labelSmoothing, classWeights: settings.classWeights },
    network: { ...networkSettingsFromEnv(), precision: settings.precision ?? 'fp32' },
  });
  let transferText: string | null = null;
  if (resumed) {
    runtime.params.set(resumed.params);
    runtime.velocity.set(resumed.velocity!);
    if (adamw) {
      if (!resumed.secondMoment)
        throw new RunError(
          `Checkpoint ${opts.resume} was trained with AdamW but holds no "optimizer.exp_avg_sq." tensors; the file is damaged.`,
        );
      runtime.secondMoment!.set(resumed.secondMoment);
    }
  } else {
    initParams(plan, runtime.params, new Rng(settings.seed ^ 0x5eed1e55));
    if (opts.from) transferText = startFrom(opts.from, plan, runtime.params, opts.reinitHead === true);
  }

  dist?.attach(runtime);
  const progress = hooks.progress ?? (dist ? distributedProgress(dist) : createProgress());
  const adaptation = new Batcher(trainSet, plan.input, dataset.mean, dataset.std).adaptation;
  const log = (s: string) => progress.log(s);
  if (threadNote) log(threadNote);
  if (precisionChoice.note) log(precisionChoice.note);
  const note = precisionNote(settings.precision);
  if (note) log(note);
  log(
    `model ${plan.model.name}: ${plan.totals.params.toLocaleString('en-US')} parameters, input ${plan.input.join('x')}, ${plan.classes} classes`,
  );
  const valText = valSet ? `, ${valSet.count.toLocaleString('en-US')} held out for validation` : '';
  log(
    `data ${dataset.name} (${dataset.source}): ${trainSet.count.toLocaleString('en-US')} training${valText}, ${dataset.test.count.toLocaleString('en-US')} test images${adaptation ? `; ${adaptation}` : ''}`,
  );
  const warmText = settings.warmupEpochs > 0 ? `, warm-up ${settings.warmupEpochs} epochs` : '';
  log(
    `${optimizerOf(settings)}: ${settings.epochs} epochs, batch ${settings.batchSize}, lr ${settings.lr} (${settings.schedule}${warmText}), ${describeUpdate(settings)}, augment ${settings.augment}, seed ${settings.seed}, ${opts.threads} threads`,
  );
  const recipeText = describeRecipe(settings);
  if (recipeText) log(`recipe: ${recipeText}`);
  const dataText = describeDataOptions(dataOptions);
  if (dataText) log(`data options: ${dataText}`);
  if (transferText) log(transferText);
  if (frozen.size > 0) log(`frozen (no update): ${[...frozen].join(', ')}`);
  if (dist) log(describeDistributed(dist, settings.batchSize));
  if (resumed)
    log(`resuming from ${opts.resume} at epoch ${resumed.position!.epoch + 1}, step ${resumed.position!.stepInEpoch}`);

  const { stop } = hooks;
  const guard = hooks.handleSignals ? new InterruptGuard(out, stop) : null;
  dist?.watchStop(() => stop.requested);
  const started = Date.now();
  let outcome;
  try {
    outcome = await train({
      runtime,
      dataset,
      train: trainSet,
      val: valSet,
      // The directory is kept when it is not the dataset's default, so eval finds the data again.
      datasetInfo: {
        name: dataset.name,
        mean: dataset.mean,
        std: dataset.std,
        classNames: dataset.classNames,
        dir: dataset.imageFolder ? undefined : (dataDir ?? (dataset.name === 'cifar10' ? dataset.source : undefined)),
        ...(dataset.imageFolder ? { imageFolder: dataset.imageFolder } : {}),
        ...(dataOptions.labels ? { labels: dataOptions.labels } : {}),
        ...(dataOptions.permutePixels !== undefined ? { permutePixels: dataOptions.permutePixels } : {}),
        fingerprint,
      },
      settings,
      out,
      metricsFile: dist && !dist.isRoot ? null : (opts.metrics ?? null),
      progress,
      resumeFrom: resumed ? resumed.position : null,
      checkpointEveryMs,
      stopRequested: dist ? () => dist.stopRequested : () => stop.requested,
      onEpoch: hooks.onEpoch,
      parallel: dist,
      gradNorms: opts.metrics !== undefined,
    });
  } catch (e) {
    if (e instanceof DivergedError) throw new RunError(e.message);
    throw e;
  } finally {
    guard?.dispose();
  }
  dist?.finish();
  const seconds = (Date.now() - started) / 1000;
  if (outcome.status === 'stopped') {
    log(
      `interrupted: checkpoint saved to ${out} (epoch ${outcome.position.epoch + 1}, step ${outcome.position.stepInEpoch}).`,
    );
    log(
      `resume with: ${dist ? `mpirun -np ${dist.size} ` : ''}cnn train ${plan.model.name} --resume ${out}${dist ? ' --distributed' : ''}`,
    );
    return { ...outcome, out, seconds };
  }
  const acc = outcome.finalTest ? (100 * outcome.finalTest.accuracy).toFixed(2) : '-';
  if (outcome.bestEpoch) {
    log(
      `best validation accuracy ${(100 * outcome.bestEpoch.valAccuracy).toFixed(2)}% at epoch ${outcome.bestEpoch.epoch}`,
    );
  }
  const epochsRun = outcome.stoppedEarlyAfter ?? settings.epochs;
  log(
    `final test accuracy ${acc}% after ${epochsRun} epoch${epochsRun === 1 ? '' : 's'} in ${seconds.toFixed(1)} s; checkpoint saved to ${out}`,
  );
  if (settings.keep === 'best' && outcome.bestEpoch && (!dist || dist.isRoot) && promoteBestCheckpoint(out)) {
    log(
      `kept the best epoch in ${out}: epoch ${outcome.bestEpoch.epoch}, validation accuracy ${(100 * outcome.bestEpoch.valAccuracy).toFixed(2)}%, test accuracy ${(100 * outcome.bestEpoch.testAccuracy).toFixed(2)}% (--keep last keeps the last epoch)`,
    );
  }
  return { ...outcome, out, seconds };
}

/** Refuses to resume on other training data than the run's, or at a step the data does not have. */
function checkResumedData(resumed: LoadedCheckpoint, file: string, now: DataFingerprint, batchSize: number): void {
  const then = resumed.dataset.fingerprint;
  if (then && !sameFingerprint(then, now)) {
    throw new RunError(
      `Cannot resume: the training data differ from the run in ${file}: it trained on ${describeFingerprint(then)}, ` +
        `the data now are ${describeFingerprint(now)}. Resume with the same data (--data, --labels, --limit as at the start), or start a new run with another --out.`,
    );
  }
  const steps = Math.ceil(now.count / batchSize);
  const step = resumed.position!.stepInEpoch;
  if (step >= steps) {
    throw new RunError(
      `Cannot resume: ${file} stands at step ${step} of an epoch, but an epoch of ${now.count} images at batch ${batchSize} has ${steps} steps; the file was edited or damaged.`,
    );
  }
}

function takeLocks(outputs: PlannedOutput[]): OutputLock[] {
  try {
    return lockOutputs(outputs);
  } catch (e) {
    if (e instanceof OutputLockError) throw new RunError(e.message);
    throw e;
  }
}

/** --from: the checkpoint's weights into params (freshly initialised); returns the log line. */
function startFrom(file: string, plan: Plan, params: Float32Array, reinitHead: boolean): string {
  let source: LoadedCheckpoint;
  try {
    source = loadCheckpoint(file);
  } catch (e) {
    throw new RunError(`Cannot start from --from ${file}: ${(e as Error).message}`);
  }
  try {
    const r = transferWeights(plan, params, source, reinitHead);
    const fresh = r.fresh.length ? `; started afresh: ${r.fresh.join(', ')}` : '';
    return `transfer: ${r.copied} tensors from ${file} (model ${source.model.name})${fresh}`;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
