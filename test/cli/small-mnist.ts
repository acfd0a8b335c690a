// A small IDX dataset cut from the real MNIST files: the first `train` and `test` images,
// so CLI tests train and evaluate in seconds on real digits.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './run-cli';
import { readIdx } from '../../src/data/idx';
import { mnistDataDir } from '../../src/data/dataset';

export function smallMnist(train: number, test: number, prefix = 'cnn-small-mnist-'): string {
  const dir = tempDir(prefix);
  const src = mnistDataDir();
  const cut = (name: string, count: number) => {
    const idx = readIdx(path.join(src, name));
    const perItem = idx.dims.slice(1).reduce((a, b) => a * b, 1);
    const header = Buffer.alloc(4 + 4 * idx.dims.length);
    header.writeUInt32BE(0x800 + idx.dims.length, 0);
    header.writeUInt32BE(count, 4);
    idx.dims.slice(1).forEach((d, i) => header.writeUInt32BE(d, 8 + 4 * i));
    fs.writeFileSync(path.join(dir, name), Buffer.concat([header, Buffer.from(idx.data.subarray(0, count * perItem))]));
  };
  cut('train-images-idx3-ubyte', train);
  cut('train-labels-idx1-ubyte', train);
  cut('t10k-images-idx3-ubyte', test);
  cut('t10k-labels-idx1-ubyte', test);
  return dir;
}
