// The run editor's parameter groups in a real page: rows become the run's param_groups only
// when valid, a problem is shown under its row, and removing the last row removes the key.

import { createElement } from 'react';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RunSpec } from '../engine/config/run-config';
import { defaultRun } from './optimizer-fields';
import { ParamGroupsEditor } from './param-groups-editor';

let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

/** Sets an input's value as typing does, so React's onChange sees it. */
function type(input: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

const byLabel = (label: string, index = 0) =>
  [...container.querySelectorAll('label')].filter((l) => l.textContent === label)[index].control as HTMLInputElement;

it('commits valid rows as param_groups, shows a problem without committing, and drops the key with the last row', () => {
  let run: RunSpec = defaultRun('adamw', 'language-modeling', []);
  const changes: RunSpec[] = [];
  const render = () =>
    act(() => root.render(createElement(ParamGroupsEditor, { run, onChange: (next: RunSpec) => ((run = next), changes.push(next), render()) })));
  render();
  act(() => (container.querySelector('button[aria-label^="Add a parameter group"]') as HTMLButtonElement).click());
  expect(changes).toHaveLength(0);

  type(byLabel('Names'), 'tok_emb.*, pos_emb.*');
  // Patterns alone are not a group yet: it needs an lr, a weight decay or frozen.
  expect(changes).toHaveLength(0);
  expect(container.querySelector('[role="alert"]')?.textContent).toContain('Give the group a learning rate or a weight decay, or tick frozen.');
  type(byLabel('Learning rate'), '0.01');
  expect(run.param_groups).toEqual([{ params: ['tok_emb.*', 'pos_emb.*'], lr: 0.01 }]);
  expect(container.querySelector('[role="alert"]')).toBeNull();

  act(() => byLabel('Frozen').click());
  expect(container.querySelector('[role="alert"]')?.textContent).toContain('A frozen group is never updated');
  expect(run.param_groups).toEqual([{ params: ['tok_emb.*', 'pos_emb.*'], lr: 0.01 }]);
  type(byLabel('Learning rate'), '');
  expect(run.param_groups).toEqual([{ params: ['tok_emb.*', 'pos_emb.*'], frozen: true }]);

  act(() => (container.querySelector('button[aria-label^="Remove group 1"]') as HTMLButtonElement).click());
  expect('param_groups' in run).toBe(false);
});

it('shows the groups of a run changed elsewhere (an import or a link)', () => {
  const run: RunSpec = { ...defaultRun('sgd', 'image-classification', []), param_groups: [{ params: '*.bias', weight_decay: 0 }] };
  act(() => root.render(createElement(ParamGroupsEditor, { run, onChange: () => {} })));
  expect(byLabel('Names').value).toBe('*.bias');
  expect(byLabel('Weight decay').value).toBe('0');
  const other: RunSpec = { ...run, param_groups: [{ params: ['a.*', 'b.*'], lr: 0.5 }] };
  act(() => root.render(createElement(ParamGroupsEditor, { run: other, onChange: () => {} })));
  expect(byLabel('Names').value).toBe('a.*, b.*');
  expect(byLabel('Learning rate').value).toBe('0.5');
});
