import { useId, useState } from 'react';
import type { ParamGroupConfig, RunSpec } from '../engine/config/run-config';
import { draftOf, EMPTY_GROUP_DRAFT, groupFromDraft, type GroupDraft } from './param-group-fields';

const sameGroups = (a: readonly ParamGroupConfig[] | undefined, b: readonly ParamGroupConfig[] | undefined) =>
  JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * A run's parameter groups (PyTorch's param_groups by name pattern): rows of patterns, lr, weight
 * decay and frozen. The run changes only when every row is a valid group; a row with a problem
 * shows it and leaves the run's groups as they were.
 */
export function ParamGroupsEditor({ run, onChange }: { run: RunSpec; onChange: (run: RunSpec) => void }) {
  const id = useId();
  const [drafts, setDrafts] = useState<GroupDraft[]>(() => (run.param_groups ?? []).map(draftOf));
  const [shown, setShown] = useState(run.param_groups);
  if (!sameGroups(shown, run.param_groups)) {
    // The run changed elsewhere (an import, a shared link): show its groups.
    setShown(run.param_groups);
    setDrafts((run.param_groups ?? []).map(draftOf));
  }
  const results = drafts.map(groupFromDraft);
  const update = (next: GroupDraft[]) => {
    setDrafts(next);
    const groups = next.map(groupFromDraft);
    if (groups.every((result) => 'group' in result)) {
      const param_groups = groups.map((result) => (result as { group: ParamGroupConfig }).group);
      const committed = param_groups.length > 0 ? param_groups : undefined;
      setShown(committed);
      const next: RunSpec = { ...run, param_groups: committed };
      if (!committed) delete next.param_groups;
      onChange(next);
    }
  };
  const edit = (index: number, change: Partial<GroupDraft>) => update(drafts.map((draft, i) => (i === index ? { ...draft, ...change } : draft)));
  return (
    <fieldset className="run-schedule run-groups">
      <legend>Parameter groups</legend>
      <p className="run-field-range">
        By state_dict name, * for any characters (tok_emb.*, *.bias, blocks.0.*). A group&apos;s learning rate replaces the optimizer&apos;s and follows the
        schedule; empty fields keep the optimizer&apos;s. Frozen tensors get no gradient, state or update (embedding tables only).
      </p>
      {drafts.map((draft, index) => {
        const result = results[index];
        const rowId = `${id}-${index}`;
        return (
          <div key={index} className="run-card-grid" data-testid={`param-group-${index}`}>
            <div className="run-field">
              <label htmlFor={`${rowId}-params`}>Names</label>
              <input
                id={`${rowId}-params`}
                type="text"
                autoComplete="off"
                spellCheck={false}
                value={draft.patterns}
                aria-invalid={'error' in result}
                onChange={(event) => edit(index, { patterns: event.target.value })}
              />
            </div>
            <div className="run-field">
              <label htmlFor={`${rowId}-lr`}>Learning rate</label>
              <input id={`${rowId}-lr`} type="text" inputMode="decimal" value={draft.lr} onChange={(event) => edit(index, { lr: event.target.value })} />
            </div>
            <div className="run-field">
              <label htmlFor={`${rowId}-wd`}>Weight decay</label>
              <input
                id={`${rowId}-wd`}
                type="text"
                inputMode="decimal"
                value={draft.weightDecay}
                onChange={(event) => edit(index, { weightDecay: event.target.value })}
              />
            </div>
            <div className="run-field">
              <label htmlFor={`${rowId}-frozen`}>Frozen</label>
              <input id={`${rowId}-frozen`} type="checkbox" checked={draft.frozen} onChange={(event) => edit(index, { frozen: event.target.checked })} />
            </div>
            <button
              type="button"
              className="secondary"
              aria-label={`Remove group ${index + 1} of ${run.name}`}
              onClick={() => update(drafts.filter((_, i) => i !== index))}
            >
              Remove
            </button>
            {'error' in result && (
              <p className="run-field-error" role="alert">
                {result.error} The run keeps its previous groups until this is fixed.
              </p>
            )}
          </div>
        );
      })}
      <button type="button" className="secondary" aria-label={`Add a parameter group to ${run.name}`} onClick={() => setDrafts([...drafts, EMPTY_GROUP_DRAFT])}>
        Add group
      </button>
    </fieldset>
  );
}
