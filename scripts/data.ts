// npm run data -- cifar10 | wikitext2 [--from PATH] [--out DIR] [--shard-records N] [--url URL] [--md5 HEX]
// Downloads (or reads) a dataset and writes the shards and manifest.json the playground streams;
// `npm run data -- --help` tells the rest.

import { runDataCommand } from './data/run';

process.exitCode = await runDataCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
