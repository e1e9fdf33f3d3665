// What `npm run data` can prepare, and where each dataset is published.

export type DatasetName = 'cifar10' | 'wikitext2';

export interface DatasetSpec {
  name: DatasetName;
  /** The archive's file name as published. */
  archiveName: string;
  url: string;
  /** The checksum its publishers give (CIFAR-10: cifar.html; WikiText-2: torchtext's wikitext2.py). */
  md5: string;
  defaultOut: string;
  defaultShardRecords: number;
  /** The unit of a record, for messages. */
  recordNoun: string;
}

export const DATASETS: Record<DatasetName, DatasetSpec> = {
  cifar10: {
    name: 'cifar10',
    archiveName: 'cifar-10-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    defaultOut: 'public/data/cifar10',
    defaultShardRecords: 5000,
    recordNoun: 'images',
  },
  wikitext2: {
    name: 'wikitext2',
    archiveName: 'wikitext-2-v1.zip',
    url: 'https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip',
    md5: '542ccefacc6c27f945fb54453812b3cd',
    defaultOut: 'public/data/wikitext2',
    // 1 MiB of uint16 ids per shard.
    defaultShardRecords: 524_288,
    recordNoun: 'tokens',
  },
};

export function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(DATASETS, name);
}
