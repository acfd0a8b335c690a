// The cnn library: train convolutional networks on the CPU and classify images from Node.
//
//   const cnn = require('cnn');
//   const model = await cnn.loadModel('plants.safetensors');
//   const top = await model.predict('leaf.jpg', { top: 3 });
//
// The command line is built on the same functions (src/cli/); docs/api.md is the reference.
export { loadModel, Model } from './api/model';
export type { LoadModelOptions, PredictOptions, ImageInput, RawImage, TopClass } from './api/model';
export { train, TrainingRun } from './api/train';
export type { TrainOptions, TrainingRunEvents, TrainResult, EpochMetrics, StepStats } from './api/train';
export { summary } from './api/summary';
export type { SummaryOptions, SummaryJson } from './api/summary';
export { modelList as models } from './cli/models';
export type { ModelInfo } from './cli/models';
