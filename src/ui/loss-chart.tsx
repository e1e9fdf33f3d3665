import { useEffect, useRef } from 'react';
import Plotly from 'plotly.js/dist/plotly-basic.min.js';
import type { RunView } from './store';

/** Train loss of every run against the step, redrawn at most once per animation frame. */
export function LossChart({ runs }: { runs: RunView[] }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = element.current;
    if (!target) return;
    const frame = requestAnimationFrame(() => {
      const dark = matchMedia('(prefers-color-scheme: dark)').matches;
      const ink = dark ? '#e6e9ee' : '#1b1f24';
      void Plotly.react(
        target,
        runs.map((run) => ({
          type: 'scatter',
          mode: 'lines',
          name: run.name,
          x: run.rows.map((row) => row.step),
          y: run.rows.map((row) => row.train_loss),
        })),
        {
          margin: { l: 56, r: 16, t: 16, b: 44 },
          paper_bgcolor: 'rgba(0,0,0,0)',
          plot_bgcolor: 'rgba(0,0,0,0)',
          font: { color: ink },
          xaxis: { title: { text: 'step' }, gridcolor: dark ? '#30363d' : '#e3e6ea' },
          yaxis: { title: { text: 'train loss' }, gridcolor: dark ? '#30363d' : '#e3e6ea' },
          hovermode: 'x unified',
          legend: { orientation: 'h', y: 1.12 },
        },
        { responsive: true, displaylogo: false },
      );
    });
    return () => cancelAnimationFrame(frame);
  }, [runs]);
  useEffect(() => {
    const target = element.current;
    return () => {
      if (target) Plotly.purge(target);
    };
  }, []);
  return <div ref={element} className="chart" data-testid="loss-chart" role="img" aria-label="Train loss of every run against the step" />;
}
