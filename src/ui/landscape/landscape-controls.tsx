// The Landscape panel's controls. What changes the measurement (plane, centre, grid, range,
// evaluation size, freezing the plane) is sent to the worker as it is committed; how the frame
// is drawn (log colours, 3-D, which surface) stays on the page.

import { useId, useState, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { LANDSCAPE_MAX_GRID } from '../../engine/config/run-config';
import type { LandscapeSettings, PlaneKind } from '../../engine/landscape/landscape-frame';
import { usePlayground, usePlaygroundActions } from '../playground-context';
import type { SurfaceChoice } from './landscape-state';

/** The largest evaluation set the config allows (the worker also refuses one larger than the data). */
export const MAX_EVAL_SIZE = 4096;

const PLANES: readonly { value: PlaneKind; label: string }[] = [
  { value: 'pca', label: 'PCA of all runs (shared plane)' },
  { value: 'random', label: 'Two random directions' },
  { value: 'weights', label: 'Two weights by name' },
];

const SURFACES: readonly { value: SurfaceChoice; label: string }[] = [
  { value: 'both', label: 'Both side by side' },
  { value: 'true', label: 'True loss' },
  { value: 'interpolated', label: "The seed's interpolation" },
];

const commitOnEnter = (event: KeyboardEvent<HTMLInputElement>) => {
  if (event.key === 'Enter') event.currentTarget.blur();
};

/** A whole number in [min, max], or null; `problem` says what was wrong in the field's words. */
export function parseWhole(text: string, field: string, min: number, max: number): { value: number | null; problem: string | null } {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    return { value: null, problem: `${field} must be a whole number in ${min}..${max} (got ${text.trim() === '' ? 'nothing' : text})` };
  }
  return { value, problem: null };
}

interface AutoNumberProps {
  label: string;
  value: number | 'auto';
  /** What auto chose, as the starting number when the person turns auto off. */
  chosen: number | undefined;
  min: number;
  max: number;
  disabled: boolean;
  onCommit(value: number | 'auto'): void;
}

/** "auto" or a whole number: the number is sent when the field is left (or Enter pressed), if it is in range. */
function AutoNumber({ label, value, chosen, min, max, disabled, onCommit }: AutoNumberProps) {
  const id = useId();
  const [draft, setDraft] = useState(value === 'auto' ? String(chosen ?? min) : String(value));
  const [problem, setProblem] = useState<string | null>(null);
  const auto = value === 'auto';
  const commit = (text = draft) => {
    const parsed = parseWhole(text, label, min, max);
    setProblem(parsed.problem);
    if (parsed.value !== null && parsed.value !== value) onCommit(parsed.value);
  };
  return (
    <div className="landscape-field">
      <label htmlFor={id}>{label}</label>
      <span className="check">
        <label>
          <input
            type="checkbox"
            aria-label={`${label}: auto`}
            checked={auto}
            disabled={disabled}
            onChange={(e) => {
              setProblem(null);
              if (e.target.checked) return onCommit('auto');
              // Turning auto off starts from what auto chose.
              const start = chosen !== undefined ? String(chosen) : draft;
              setDraft(start);
              commit(start);
            }}
          />
          auto
        </label>
        <input
          id={id}
          type="number"
          min={min}
          max={max}
          step={1}
          // While auto, the field shows what auto chose for the current frame.
          value={auto ? (chosen !== undefined ? String(chosen) : '') : draft}
          disabled={disabled || auto}
          style={{ width: '6em' }}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => commit()}
          onKeyDown={commitOnEnter}
        />
      </span>
      {problem && (
        <span className="alert" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}

type Extent = { x: [number, number]; y: [number, number] };

/** A range bound as auto chose it, short enough for its field. */
const formatBound = (value: number) => String(Number(value.toPrecision(4)));

/** The α and β range: auto, or four numbers applied together. */
function RangeField({
  value,
  current,
  disabled,
  onCommit,
}: {
  value: LandscapeSettings['range'];
  current: Extent | null;
  disabled: boolean;
  onCommit(range: LandscapeSettings['range']): void;
}) {
  const start = value === 'auto' ? (current ?? { x: [-1, 1], y: [-1, 1] }) : value;
  const [draft, setDraft] = useState([start.x[0], start.x[1], start.y[0], start.y[1]].map(String));
  const [problem, setProblem] = useState<string | null>(null);
  const auto = value === 'auto';
  const apply = (texts = draft) => {
    const [x0, x1, y0, y1] = texts.map(Number);
    for (const [axis, low, high, text] of [['x', x0, x1, texts.slice(0, 2)] as const, ['y', y0, y1, texts.slice(2)] as const]) {
      if (!Number.isFinite(low) || !Number.isFinite(high) || !(low < high)) {
        setProblem(`Range ${axis} must be [low, high] with low < high (got [${text.join(', ')}])`);
        return;
      }
    }
    setProblem(null);
    onCommit({ x: [x0, x1], y: [y0, y1] });
  };
  const names = ['x from', 'x to', 'y from', 'y to'];
  return (
    <div className="landscape-field">
      <span>Range</span>
      <span className="check">
        <label>
          <input
            type="checkbox"
            aria-label="Range: auto"
            checked={auto}
            disabled={disabled}
            onChange={(e) => {
              setProblem(null);
              if (e.target.checked) return onCommit('auto');
              // Turning auto off starts from the range auto chose.
              const texts = current ? [current.x[0], current.x[1], current.y[0], current.y[1]].map(String) : draft;
              setDraft(texts);
              apply(texts);
            }}
          />
          auto
        </label>
        {names.map((name, i) => (
          <input
            key={name}
            type="number"
            step="any"
            aria-label={`Range ${name}`}
            value={auto ? (current ? formatBound([current.x[0], current.x[1], current.y[0], current.y[1]][i]) : '') : draft[i]}
            disabled={disabled || auto}
            style={{ width: '5.5em' }}
            onChange={(e) => setDraft(draft.map((old, k) => (k === i ? e.target.value : old)))}
            onKeyDown={(e) => e.key === 'Enter' && apply()}
          />
        ))}
        {!auto && (
          <button type="button" className="secondary" disabled={disabled} onClick={() => apply()}>
            Apply range
          </button>
        )}
      </span>
      {problem && (
        <span className="alert" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}

/** The plane, and for the weights plane the two parameters (sent once both are named). */
function PlaneField({ settings, disabled, onCommit }: { settings: LandscapeSettings; disabled: boolean; onCommit(patch: Partial<LandscapeSettings>): void }) {
  const [plane, setPlane] = useState<PlaneKind>(settings.plane);
  const [weights, setWeights] = useState<[string, string]>(settings.weights ?? ['', '']);
  const commitWeights = (next: [string, string]) => {
    const named = next.map((name) => name.trim()) as [string, string];
    if (named.some((name) => name === '')) return;
    if (settings.plane === 'weights' && settings.weights?.[0] === named[0] && settings.weights?.[1] === named[1]) return;
    onCommit({ plane: 'weights', weights: named });
  };
  return (
    <>
      <label>
        Plane
        <select
          value={plane}
          disabled={disabled}
          onChange={(e) => {
            const next = e.target.value as PlaneKind;
            setPlane(next);
            if (next !== 'weights') onCommit({ plane: next });
            else commitWeights(weights);
          }}
        >
          {PLANES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      {plane === 'weights' &&
        (['x', 'y'] as const).map((axis, i) => (
          <label key={axis}>
            Weight on {axis}
            <input
              type="text"
              placeholder={i === 0 ? 'fc1.weight[0, 0]' : 'fc1.weight[0, 1]'}
              value={weights[i]}
              disabled={disabled}
              style={{ width: '11em' }}
              onChange={(e) => setWeights(i === 0 ? [e.target.value, weights[1]] : [weights[0], e.target.value])}
              onBlur={() => commitWeights(weights)}
              onKeyDown={commitOnEnter}
            />
          </label>
        ))}
    </>
  );
}

/** Remount (key) per session: the drafts start from that session's settings. */
export function LandscapeControls() {
  const { settings, runNames, live, chosenGrid, chosenEval, extent, plane, hasInterpolation } = usePlayground(
    useShallow((s) => {
      const { frame } = s.landscape;
      return {
        settings: s.landscape.settings,
        runNames: s.runs.map((run) => run.name).join('\n'),
        live: s.weightsInWorker,
        chosenGrid: frame?.choice.grid || undefined,
        chosenEval: frame?.choice.evalSize || undefined,
        extent: frame && frame.alphas.length > 1 ? `${frame.alphas[0]} ${frame.alphas.at(-1)} ${frame.betas[0]} ${frame.betas.at(-1)}` : '',
        plane: frame?.plane ?? s.landscape.settings.plane,
        hasInterpolation: frame?.interpolated !== undefined,
      };
    }),
  );
  const display = usePlayground((s) => s.landscape.display);
  const { changeLandscape, setLandscapeDisplay } = usePlaygroundActions();
  const disabled = !live;
  const [x0, x1, y0, y1] = extent.split(' ').map(Number);
  const current: Extent | null = extent ? { x: [x0, x1], y: [y0, y1] } : null;
  return (
    <div>
      <div className="row landscape-controls" aria-label="What the landscape measures">
        <PlaneField settings={settings} disabled={disabled} onCommit={changeLandscape} />
        <label>
          Centre run
          <select value={settings.centerRun} disabled={disabled} onChange={(e) => changeLandscape({ centerRun: e.target.value })}>
            {runNames.split('\n').map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
        {settings.plane === 'random' && (
          <label>
            Centred on
            <select value={settings.center} disabled={disabled} onChange={(e) => changeLandscape({ center: e.target.value as LandscapeSettings['center'] })}>
              <option value="current">its current weights</option>
              <option value="start">the shared start</option>
            </select>
          </label>
        )}
        <AutoNumber
          label="Grid points per axis"
          value={settings.grid}
          chosen={chosenGrid}
          min={3}
          max={LANDSCAPE_MAX_GRID}
          disabled={disabled}
          onCommit={(grid) => changeLandscape({ grid })}
        />
        <AutoNumber
          label="Evaluation examples"
          value={settings.evalSize}
          chosen={chosenEval}
          min={1}
          max={MAX_EVAL_SIZE}
          disabled={disabled}
          onCommit={(evalSize) => changeLandscape({ evalSize })}
        />
        <RangeField value={settings.range} current={current} disabled={disabled} onCommit={(range) => changeLandscape({ range })} />
        <span className="check">
          <label title="Keep the plane fitted so far instead of fitting it again as the runs move">
            <input
              type="checkbox"
              checked={settings.freeze}
              disabled={disabled || settings.plane !== 'pca'}
              onChange={(e) => changeLandscape({ freeze: e.target.checked })}
            />
            Freeze plane
          </label>
        </span>
      </div>
      <div className="row landscape-controls" aria-label="How the landscape is drawn">
        <span className="check">
          <label>
            <input type="checkbox" checked={display.logColor} onChange={(e) => setLandscapeDisplay({ logColor: e.target.checked })} />
            Log colour scale
          </label>
        </span>
        <span className="check">
          <label>
            <input type="checkbox" checked={display.view3d} onChange={(e) => setLandscapeDisplay({ view3d: e.target.checked })} />
            3-D surface
          </label>
        </span>
        {plane === 'weights' && hasInterpolation && (
          <label>
            Surface
            <select value={display.surface} onChange={(e) => setLandscapeDisplay({ surface: e.target.value as SurfaceChoice })}>
              {SURFACES.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {disabled && (
        <p className="muted">The weights behind this landscape stayed with the page that trained them; train the runs again to change what it measures.</p>
      )}
    </div>
  );
}
