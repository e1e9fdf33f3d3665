import { useId } from 'react';
import type { LandscapeConfig } from '../engine/config/run-config';
import { NumberField } from './number-field';
import { usePlayground, usePlaygroundActions } from './playground-context';
import { landscapeOnPlane, toggledLandscape } from './setup';
import './landscape-setup.css';

const PLANES: { value: LandscapeConfig['plane']; label: string; hint: string }[] = [
  { value: 'pca', label: 'PCA of the trajectories', hint: 'One plane through every run: the two main directions of all runs’ snapshots.' },
  { value: 'random', label: 'Random directions', hint: 'Two seeded random directions, each filter scaled to the norm of the same filter of the centre.' },
  { value: 'weights', label: 'Two weights', hint: 'Two scalar parameters by name and index; the axes are the weights themselves.' },
];

const AXES = ['x', 'y'] as const;

/** What the setup keeps of the settings the Landscape panel changes live. */
function liveSettings(landscape: LandscapeConfig): string {
  const auto = (value: unknown, text: string) => (value === 'auto' ? 'automatic' : text);
  const range = landscape.range === 'auto' ? 'automatic' : `x ${landscape.range.x.join(' to ')}, y ${landscape.range.y.join(' to ')}`;
  return (
    `Grid ${auto(landscape.grid, `${String(landscape.grid)} × ${String(landscape.grid)}`)}, evaluation set ${auto(landscape.eval_size, `${String(landscape.eval_size)} examples`)}, ` +
    `range ${range}, centred on ${landscape.center_run ?? 'the first run'}${landscape.freeze ? ', plane frozen' : ''}: change these live on the Landscape panel.`
  );
}

/**
 * The setup's loss-landscape section: on or off, the plane, how often runs are snapshotted and
 * the landscape's GPU time per unit of training time while they train. The grid, range, evaluation set, centre
 * and freezing are set on the Landscape panel; the setup keeps whatever the config had.
 */
export function LandscapeSetup({ disabled }: { disabled: boolean }) {
  const setup = usePlayground((s) => s.setup);
  const { updateSetup } = usePlaygroundActions();
  const id = useId();
  const landscape = setup.landscape;
  const enabled = landscape?.enabled === true;
  const update = (patch: Partial<LandscapeConfig>) => landscape && updateSetup({ landscape: { ...landscape, ...patch } });
  const plane = PLANES.find((choice) => choice.value === landscape?.plane) ?? PLANES[0];
  return (
    <fieldset className="grid landscape-setup" disabled={disabled} data-testid="landscape-setup">
      <legend>Loss landscape</legend>
      <label className="choice wide">
        <input type="checkbox" checked={enabled} onChange={(event) => updateSetup({ landscape: toggledLandscape(setup, event.target.checked) })} />
        Snapshot the runs and draw their loss landscape
      </label>
      {landscape && enabled && (
        <>
          <div className="field wide">
            <label htmlFor={`${id}-plane`}>Plane</label>
            <select
              id={`${id}-plane`}
              value={landscape.plane}
              aria-describedby={`${id}-plane-hint`}
              onChange={(event) => updateSetup({ landscape: landscapeOnPlane(landscape, event.target.value as LandscapeConfig['plane'], setup.task) })}
            >
              {PLANES.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
            <small id={`${id}-plane-hint`} className="muted">
              {plane.hint}
            </small>
          </div>
          {landscape.plane === 'weights' &&
            AXES.map((axis, index) => {
              const name = landscape.weights?.[index] ?? '';
              return (
                <div key={axis} className="field wide">
                  <label htmlFor={`${id}-weight-${axis}`}>{`Weight on the ${axis} axis`}</label>
                  <input
                    id={`${id}-weight-${axis}`}
                    type="text"
                    autoComplete="off"
                    spellCheck={false}
                    placeholder={`fc1.weight[0, ${index}]`}
                    value={name}
                    aria-invalid={name.trim() === ''}
                    aria-describedby={`${id}-weight-${axis}-hint`}
                    onChange={(event) => {
                      const weights: [string, string] = [...(landscape.weights ?? ['', ''])];
                      weights[index] = event.target.value;
                      update({ weights });
                    }}
                  />
                  <small id={`${id}-weight-${axis}-hint`} className={name.trim() === '' ? 'alert' : 'muted'}>
                    a parameter&apos;s state_dict name and index
                  </small>
                </div>
              );
            })}
          <NumberField
            label="Snapshot every"
            range="steps between snapshots, ≥ 1"
            value={landscape.snapshot_every}
            min={1}
            disabled={disabled}
            onChange={(snapshot_every) => update({ snapshot_every })}
          />
          <NumberField
            label="GPU share (%)"
            range="landscape time per unit of training time, 1 to 100"
            value={Math.max(1, Math.round(landscape.share * 100))}
            min={1}
            max={100}
            disabled={disabled}
            onChange={(percent) => update({ share: percent / 100 })}
          />
          <p className="muted wide landscape-live" data-testid="landscape-live-settings">
            {liveSettings(landscape)}
          </p>
        </>
      )}
    </fieldset>
  );
}
