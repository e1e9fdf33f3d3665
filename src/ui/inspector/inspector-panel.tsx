// The Inspector panel's frame: a collapsible section under the loss charts, closed until a
// person opens it. Closed it costs nothing: no message to the worker, no analysis worker, no
// plotting bundle; opening it tells the worker what to measure and loads the body.

import { lazy, Suspense, useId } from 'react';
import { usePlayground, usePlaygroundActions } from '../playground-context';
import './inspector.css';

const InspectorBody = lazy(() => import('./inspector-body').then((module) => ({ default: module.InspectorBody })));

export function InspectorPanel() {
  const open = usePlayground((s) => s.inspector.open);
  const refusal = usePlayground((s) => s.inspector.refusal);
  const { setInspectorOpen } = usePlaygroundActions();
  const titleId = useId();
  return (
    <section className="inspector-panel" aria-labelledby={titleId} data-testid="inspector-panel">
      <details
        open={open}
        onToggle={(event) => {
          // React setting `open` fires toggle too: only a change the person made is acted on.
          const next = event.currentTarget.open;
          if (next !== open) setInspectorOpen(next);
        }}
      >
        <summary>
          <h3 id={titleId}>Kronecker factors (Inspector)</h3>
        </summary>
        {open && (
          <Suspense fallback={<p className="muted">Loading the inspector…</p>}>
            <InspectorBody />
          </Suspense>
        )}
      </details>
      {/* Outside the details, so a refusal of a config's inspect section shows with the panel closed. */}
      {refusal && (
        <p className="alert" role="alert" data-testid="inspector-refusal">
          {refusal} Training goes on.
        </p>
      )}
    </section>
  );
}
