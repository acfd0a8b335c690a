// The algorithm each layer runs, as the native network chooses it when it is built (one
// rule, in the addon: native/kernels/conv2d_algorithm.cpp). The choice depends on the
// layer's shapes and the setting, not on the batch size or thread count, so a network of
// batch 1 shows what training builds.
import type { Plan } from '../model/types';
import { createRuntime, type NetworkSettings } from './runtime';

/** Per planned layer: '' for kinds with no choice, a conv2d's "forward/backward-data/backward-weights". */
export function layerAlgorithms(plan: Plan, network: NetworkSettings = {}): string[] {
  return createRuntime(plan, { maxBatch: 1, threads: 1, network }).net.layerAlgorithms();
}
