// The environment variables that steer how the native network is built, read here at the
// CLI's edge only and passed down as NetworkOptions (the addon reads no environment for
// them): CNN_CONV_PATH=auto|gemm|implicit|direct picks every convolution's algorithm rule
// (auto, the default: per layer shape, see `cnn summary --algorithms`), CNN_FUSE_RELU=0
// turns off the training-time relu fusion (to profile the layers apart).
import { CONV_ALGORITHM_SETTINGS, type ConvAlgorithmSetting } from '../native';
import type { NetworkSettings } from '../train/runtime';
import { UsageError } from './errors';

export function networkSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): NetworkSettings {
  const settings: NetworkSettings = {};
  const conv = env.CNN_CONV_PATH;
  if (conv !== undefined && conv !== '') {
    if (!(CONV_ALGORITHM_SETTINGS as readonly string[]).includes(conv)) {
      throw new UsageError(`CNN_CONV_PATH must be one of ${CONV_ALGORITHM_SETTINGS.join(', ')}, got "${conv}"`);
    }
    settings.convAlgorithm = conv as ConvAlgorithmSetting;
  }
  const fuse = env.CNN_FUSE_RELU;
  if (fuse !== undefined && fuse !== '') {
    if (fuse !== '0' && fuse !== '1') throw new UsageError(`CNN_FUSE_RELU must be 0 or 1, got "${fuse}"`);
    settings.fuseRelu = fuse === '1';
  }
  return settings;
}
