import { useState } from 'react';
import { parseRunConfig } from '../engine/config/run-config';
import { modelPreset } from '../engine/nn/presets';
import { downloadBytes, exportFileName } from './export';
import { usePlayground } from './playground-context';
import { setupToConfig, type Setup } from './setup';

type ExportState = { state: 'idle' } | { state: 'building' } | { state: 'done'; file: string; warnings: string[] } | { state: 'failed'; error: string };

/**
 * "Export to PyTorch": the setup as a PyTorch project in a zip (model.py, train.py, the
 * optimizers, config.yaml, init.safetensors, the built-in data), with what it could not carry.
 */
export function PytorchExport({ setup, disabled }: { setup: Setup; disabled: boolean }) {
  const [status, setStatus] = useState<ExportState>({ state: 'idle' });
  const embeddingsFile = usePlayground((s) => s.data.embeddingsFile);
  const build = async () => {
    setStatus({ state: 'building' });
    try {
      const config = parseRunConfig(setupToConfig(setup));
      const name = exportFileName(`${config.model}-pytorch`, 'zip');
      // The export (the data generators, the model writer, the Python sources) loads on first use.
      const { exportProjectZip, GPT1_BPE_VOCABULARY } = await import('../export/page-export');
      // GPT-1's tables from the file given on the page go into init.safetensors, as training puts them into the starting weights.
      let initial: ReadonlyMap<string, ArrayLike<number>> | undefined;
      if (config.embeddings && embeddingsFile) {
        const { initialWithGpt1File } = await import('../worker/pretrained-embeddings');
        initial = await initialWithGpt1File(modelPreset(config.model, GPT1_BPE_VOCABULARY), config.seed, embeddingsFile);
      }
      const { zip, warnings } = await exportProjectZip(config, name.replace(/\.zip$/, ''), initial);
      downloadBytes(name, zip, 'application/zip');
      setStatus({ state: 'done', file: name, warnings });
    } catch (error) {
      setStatus({ state: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <div className="pytorch-export">
      <button type="button" className="secondary" disabled={disabled || status.state === 'building'} onClick={() => void build()}>
        {status.state === 'building' ? 'Exporting…' : 'Export to PyTorch'}
      </button>
      {status.state === 'done' && (
        <div role="status" data-testid="pytorch-export-status">
          <p className="muted">
            {status.file}: run <code>python3 train.py</code> or <code>torchrun --nproc_per_node=2 train.py</code> in its folder.
          </p>
          {status.warnings.length > 0 && (
            <ul className="alert" aria-label="Files the export could not carry">
              {status.warnings.map((warning) => (
                <li key={warning}>{warning}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {status.state === 'failed' && (
        <p className="alert" role="alert">
          {status.error}
        </p>
      )}
    </div>
  );
}
