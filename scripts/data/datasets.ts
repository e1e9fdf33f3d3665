// What `npm run data` can prepare, and where each dataset is published.

import { CIFAR10_ARCHIVE_NAME, CIFAR10_ARCHIVE_URL } from '../../src/engine/data/cifar10';
import { WIKITEXT2_ARCHIVE_NAME, WIKITEXT2_ARCHIVE_URL } from '../../src/engine/data/wikitext';

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
    archiveName: CIFAR10_ARCHIVE_NAME,
    url: CIFAR10_ARCHIVE_URL,
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    defaultOut: 'public/data/cifar10',
    defaultShardRecords: 5000,
    recordNoun: 'images',
  },
  wikitext2: {
    name: 'wikitext2',
    archiveName: WIKITEXT2_ARCHIVE_NAME,
    url: WIKITEXT2_ARCHIVE_URL,
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
