// npm run export -- --config configs/NAME.yaml --out DIR [--init FILE.safetensors] [--vocabulary N]
// Writes the setup as a PyTorch project (docs/export.md).

import { ConfigError } from '../src/engine/config/run-config';
import { UsageError } from './export/options';
import { runExport } from './export/run';

runExport(process.argv.slice(2), { log: (line) => console.log(line) }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError) console.error(`error: ${error.message}\nRun with --help for the options.`);
    else console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
