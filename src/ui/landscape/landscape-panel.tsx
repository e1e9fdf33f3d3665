// The Landscape panel: the loss over a plane through the runs' weights, each run's trajectory
// on it, what was measured and how faithful the picture is, its controls and exports. Open by
// default when the session has a landscape; closing it tells the worker nobody is looking (the
// grid then waits), and nothing of the plotting bundle loads until it is open with a frame.

import { useId, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useChartTheme } from '../charts/chart-theme';
import { chartPng, downloadDataUrl, downloadText, exportFileName } from '../export';
import { usePlayground, usePlaygroundActions, usePlaygroundStore } from '../playground-context';
import { LandscapeControls } from './landscape-controls';
import { landscapePlots, runColors } from './landscape-figure';
import { loadLandscapePlotly, LandscapePlotView } from './landscape-plot';
import { LANDSCAPE_TENSORS_FILE } from './landscape-state';
import { axesText, budgetText, choiceText, EMPTY_LANDSCAPE_TEXT, fitText, gridPoints, progressText, statusText } from './landscape-text';
import './landscape.css';

const PLOT_HEIGHT = 460;

/** The session's runs as name and colour, in one string so the selector's value is stable between frames. */
function useRunColors(): Record<string, string> {
  const key = usePlayground((s) => s.runs.map((run) => `${run.name}\t${run.color ?? ''}`).join('\n'));
  return useMemo(
    () =>
      runColors(
        key === ''
          ? []
          : key.split('\n').map((line) => {
              const [name, color] = line.split('\t');
              return color ? { name, color } : { name };
            }),
      ),
    [key],
  );
}

function LandscapeFigure() {
  const frame = usePlayground((s) => s.landscape.frame)!;
  const display = usePlayground((s) => s.landscape.display);
  const colors = useRunColors();
  const theme = useChartTheme();
  const plots = useMemo(() => landscapePlots(frame, { display, colors, theme }), [frame, display, colors, theme]);
  return (
    <div className="landscape-plots" data-testid="landscape-plots">
      {plots.map((plot) => (
        <LandscapePlotView key={`${plot.id}-${plot.view}`} plot={plot} height={PLOT_HEIGHT} />
      ))}
    </div>
  );
}

function LandscapeFacts() {
  const frame = usePlayground((s) => s.landscape.frame)!;
  const live = usePlayground((s) => s.weightsInWorker);
  const total = gridPoints(frame);
  return (
    <div className="landscape-facts" data-testid="landscape-facts">
      <label className="progress-label">
        <span data-testid="landscape-progress">{progressText(frame)}</span>
        <progress max={total || 1} value={frame.filled} aria-label="Grid points measured" />
      </label>
      <p>{choiceText(frame)}</p>
      <p>{axesText(frame)}</p>
      <p data-testid="landscape-fit">{fitText(frame).join(' ')}</p>
      <p className="muted">{budgetText(frame)}</p>
      <p className="muted">{statusText(frame, live)}</p>
    </div>
  );
}

/** Exports read the frame when clicked, so the buttons do not render with every frame. */
function LandscapeExports() {
  const store = usePlaygroundStore();
  const { exporting, live } = usePlayground(useShallow((s) => ({ exporting: s.landscape.exporting, live: s.weightsInWorker })));
  const { exportLandscape } = usePlaygroundActions();
  const exportPng = async () => {
    const plotly = await loadLandscapePlotly();
    for (const element of document.querySelectorAll<HTMLElement>('[data-testid^="landscape-plot-"]')) {
      const name = element.dataset.testid!.replace(/^landscape-plot-/, '');
      downloadDataUrl(exportFileName(`landscape-${name}`, 'png'), await chartPng(element, { width: 1200, height: 900 }, plotly));
    }
  };
  return (
    <div className="row" aria-label="Export the landscape">
      <button type="button" className="secondary" onClick={() => void exportPng()}>
        Landscape PNG
      </button>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          const { frame } = store.getState().landscape;
          if (frame) downloadText(exportFileName('landscape', 'json'), JSON.stringify(frame, null, 2), 'application/json');
        }}
      >
        Landscape JSON
      </button>
      <button
        type="button"
        className="secondary"
        disabled={!live || exporting}
        title={
          live
            ? `The centre and both directions under PyTorch state_dict names (center.*, dir_x.*, dir_y.*), as ${LANDSCAPE_TENSORS_FILE}`
            : 'The weights stay in the worker that trained them: train the runs again in this page to download the plane.'
        }
        onClick={exportLandscape}
      >
        {exporting ? 'Preparing the plane…' : 'Plane as safetensors'}
      </button>
    </div>
  );
}

function LandscapeBody() {
  const { hasFrame, error, sessionId } = usePlayground(
    useShallow((s) => ({ hasFrame: s.landscape.frame !== null, error: s.landscape.error, sessionId: s.sessionId })),
  );
  return (
    <div className="landscape-body">
      <LandscapeControls key={sessionId ?? ''} />
      {error && (
        <p className="alert" role="alert" data-testid="landscape-error">
          {error}
        </p>
      )}
      {hasFrame ? (
        <>
          <LandscapeFacts />
          <LandscapeFigure />
          <LandscapeExports />
        </>
      ) : (
        <p className="muted" data-testid="landscape-empty">
          {EMPTY_LANDSCAPE_TEXT}
        </p>
      )}
    </div>
  );
}

export function LandscapePanel() {
  const visible = usePlayground((s) => s.landscape.settings.visible);
  const { changeLandscape } = usePlaygroundActions();
  const titleId = useId();
  return (
    <section className="landscape-panel" aria-labelledby={titleId} data-testid="landscape-panel">
      <details
        open={visible}
        onToggle={(event) => {
          // React setting `open` fires toggle too: only a change the person made is sent.
          const open = event.currentTarget.open;
          if (open !== visible) changeLandscape({ visible: open });
        }}
      >
        <summary>
          <h3 id={titleId}>Loss landscape</h3>
        </summary>
        {visible && <LandscapeBody />}
      </details>
    </section>
  );
}
