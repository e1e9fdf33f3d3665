import type { StepProfile } from '../engine/gpu/step-profile';
import { usePlayground, usePlaygroundActions } from './playground-context';

const share = (ms: number, total: number) => (total > 0 ? ms / total : 0);
const percent = (fraction: number) => `${(100 * fraction).toFixed(0)} %`;

/** Time by phase, then by layer with a bar for each (costliest first), and how the times were taken. */
export function StepProfileTables({ profile, step }: { profile: StepProfile; step: number }) {
  const total = profile.total_ms;
  const layers = [...profile.by_layer].sort((a, b) => b.ms - a.ms);
  const widest = layers[0]?.ms ?? 0;
  return (
    <div className="step-profile">
      <p>
        Step {step}: {total.toFixed(1)} ms of GPU time over {profile.dispatches.length} dispatches, timed{' '}
        {profile.method === 'timestamps' ? 'with GPU timestamps' : 'op by op'}.
      </p>
      <p className="muted">{profile.note}</p>
      <table aria-label="Time by phase">
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">ms</th>
            <th scope="col">Share</th>
            <th scope="col">Dispatches</th>
          </tr>
        </thead>
        <tbody>
          {profile.by_phase.map((phase) => (
            <tr key={phase.name}>
              <td>{phase.name}</td>
              <td>{phase.ms.toFixed(2)}</td>
              <td>{percent(share(phase.ms, total))}</td>
              <td>{phase.dispatches}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table aria-label="Time by layer">
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">ms</th>
            <th scope="col">Share</th>
            <th scope="col" className="profile-bar-column">
              Against the costliest
            </th>
          </tr>
        </thead>
        <tbody>
          {layers.map((layer) => (
            <tr
              key={layer.name}
              title={Object.entries(layer.phases)
                .map(([phase, ms]) => `${phase} ${ms.toFixed(2)} ms`)
                .join(', ')}
            >
              <td>{layer.name}</td>
              <td>{layer.ms.toFixed(2)}</td>
              <td>{percent(share(layer.ms, total))}</td>
              <td className="profile-bar-column">
                <span className="profile-bar" style={{ width: percent(share(layer.ms, widest)) }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A run's profile under its row: waiting, refused, or its tables with a Close button. */
export function RunProfilePanel({ name }: { name: string }) {
  const entry = usePlayground((s) => s.profiles[name]);
  const { closeProfile } = usePlaygroundActions();
  if (!entry) return null;
  return (
    <section className="run-profile" aria-label={`Step profile of ${name}`} data-testid={`profile-${name}`}>
      {entry.pending && <p className="muted">Profiling the next step of {name}: each dispatch is timed on its own…</p>}
      {entry.error && (
        <p className="alert">
          Could not profile a step of {name}: {entry.error}
        </p>
      )}
      {entry.profile && entry.step !== null && <StepProfileTables profile={entry.profile} step={entry.step} />}
      {!entry.pending && (
        <button type="button" className="secondary" onClick={() => closeProfile(name)}>
          Close the profile of {name}
        </button>
      )}
    </section>
  );
}
