import { useShallow } from 'zustand/react/shallow';
import { describeAdapter } from '../engine/gpu/context';
import { DEVICE_CHECK_TOLERANCE, deviceCheckPassed } from '../engine/nn/device-check';
import { MODEL_PRESETS } from '../engine/nn/presets';
import { usePlayground, usePlaygroundActions } from './playground-context';
import { ResultsPanel } from './results-panel';
import { SetupPanel } from './setup-panel';

function SetupNotice() {
  const notice = usePlayground((s) => s.setupNotice);
  const { dismissNotice } = usePlaygroundActions();
  if (!notice) return null;
  return (
    <div className="alert notice" role="alert" data-testid="setup-notice">
      <p>{notice}</p>
      <button type="button" className="secondary" onClick={dismissNotice}>
        Dismiss
      </button>
    </div>
  );
}

function GpuPanel() {
  const gpu = usePlayground((s) => s.gpu);
  switch (gpu.state) {
    case 'starting':
      return <p role="status">Looking for a WebGPU adapter…</p>;
    case 'ready':
      return (
        <dl className="facts" aria-label="WebGPU adapter">
          <dt>Adapter</dt>
          <dd data-testid="adapter">{describeAdapter(gpu.adapter)}</dd>
          <dt>Largest buffer</dt>
          <dd>{(gpu.adapter.maxBufferSize / 2 ** 20).toFixed(0)} MiB</dd>
          <dt>Workgroup memory</dt>
          <dd>{(gpu.adapter.maxComputeWorkgroupStorageSize / 1024).toFixed(0)} KiB</dd>
        </dl>
      );
    case 'unavailable':
    case 'lost':
      return (
        <div className="alert" role="alert" data-testid="gpu-error">
          <strong>{gpu.state === 'lost' ? 'The GPU device was lost.' : 'WebGPU cannot be used in this browser.'}</strong>
          <p>{gpu.message}</p>
        </div>
      );
  }
}

function DeviceCheck() {
  const { ready, checkPreset, checkBatch, checkRunning, hasResult, error } = usePlayground(
    useShallow((s) => ({
      ready: s.gpu.state === 'ready',
      checkPreset: s.checkPreset,
      checkBatch: s.checkBatch,
      checkRunning: s.checkRunning,
      hasResult: s.checkResult !== null,
      error: s.error,
    })),
  );
  const { setCheckPreset, setCheckBatch, runDeviceCheck } = usePlaygroundActions();
  return (
    <section aria-labelledby="check-title">
      <h2 id="check-title">Check this device</h2>
      <p>
        One forward and backward pass on a seeded random batch, computed on the GPU in float32 and on the CPU in float64; to pass, every gradient must agree to
        within {DEVICE_CHECK_TOLERANCE.gradient.toExponential(0)} of its scale, and the loss to within {DEVICE_CHECK_TOLERANCE.loss.toExponential(0)} of its
        value.
      </p>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          runDeviceCheck();
        }}
      >
        <label>
          Model
          <select value={checkPreset} onChange={(e) => setCheckPreset(e.target.value)}>
            {Object.keys(MODEL_PRESETS).map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Batch
          <input type="number" min={2} max={64} value={checkBatch} onChange={(e) => setCheckBatch(Number(e.target.value))} />
        </label>
        <button type="submit" disabled={!ready || checkRunning || !(checkBatch >= 2 && checkBatch <= 64)}>
          {checkRunning ? 'Running…' : 'Run one forward and backward pass'}
        </button>
      </form>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {hasResult && <CheckResult />}
    </section>
  );
}

function CheckResult() {
  const result = usePlayground((s) => s.checkResult)!;
  const agrees = deviceCheckPassed(result);
  return (
    <div data-testid="check-result">
      <p className={agrees ? 'ok' : 'alert'} data-testid="check-verdict">
        {agrees ? 'GPU matches the float64 reference' : 'GPU differs from the float64 reference'} ({result.preset}, batch {result.batch}, worst gradient error{' '}
        {result.worstRelativeError.toExponential(2)})
      </p>
      <dl className="facts">
        <dt>Loss (GPU)</dt>
        <dd data-testid="gpu-loss">{result.gpuLoss.toFixed(6)}</dd>
        <dt>Loss (reference)</dt>
        <dd>{result.referenceLoss.toFixed(6)}</dd>
        <dt>Step</dt>
        <dd>
          {result.gpuMs.toFixed(1)} ms, {result.dispatches} dispatches, one submit
        </dd>
      </dl>
      <table>
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            <th scope="col">Shape</th>
            <th scope="col">Gradient norm</th>
            <th scope="col">Relative error</th>
          </tr>
        </thead>
        <tbody>
          {result.gradients.map((g) => (
            <tr key={g.name}>
              <td>{g.name}</td>
              <td>[{g.shape.join(', ')}]</td>
              <td>{g.norm.toExponential(3)}</td>
              <td>{g.relativeError.toExponential(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The playground page; the store comes from PlaygroundContext, and createPlayground().start() has run. */
export function App() {
  const idle = usePlayground((s) => s.session === 'idle');
  const { takeFiles } = usePlaygroundActions();
  // Files dropped anywhere on the page are taken as the dataset (while no session runs).
  return (
    <main
      onDragOver={(event) => event.preventDefault()}
      onDrop={(event) => {
        event.preventDefault();
        if (idle && event.dataTransfer.files.length > 0) void takeFiles([...event.dataTransfer.files]);
      }}
    >
      <header>
        <h1>AdaFisher playground</h1>
        <p>Train neural networks in your browser with WebGPU and compare optimizers.</p>
      </header>
      <SetupNotice />
      <section aria-labelledby="gpu-title">
        <h2 id="gpu-title">WebGPU</h2>
        <GpuPanel />
      </section>
      <div className="workspace">
        <SetupPanel />
        <ResultsPanel />
      </div>
      <DeviceCheck />
    </main>
  );
}
