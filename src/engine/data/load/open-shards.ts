import { openShardCache } from '../stream/shard-cache';
import { ShardReader } from '../stream/shard-reader';
import type { ProgressReporter } from './data-files';

/** A shard manifest, read through the page's shard cache with download progress. */
export async function openShards(manifestUrl: string, report: ProgressReporter): Promise<ShardReader> {
  return ShardReader.open(manifestUrl, { cache: await openShardCache(), onProgress: ({ label, loaded, total }) => report(label, loaded, total) });
}
