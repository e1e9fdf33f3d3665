// The run editor's parameter groups as text: one row per group with its name patterns (separated
// by commas or spaces), an optional lr and weight decay, and "frozen". A row becomes a group only
// when the run schema accepts it; which parameters a pattern matches is checked when training starts.

import { paramGroupSchema, type ParamGroupConfig } from '../engine/config/run-config';

export interface GroupDraft {
  readonly patterns: string;
  /** Empty: the optimizer's. */
  readonly lr: string;
  /** Empty: the optimizer's. */
  readonly weightDecay: string;
  readonly frozen: boolean;
}

export const EMPTY_GROUP_DRAFT: GroupDraft = { patterns: '', lr: '', weightDecay: '', frozen: false };

export function draftOf(group: ParamGroupConfig): GroupDraft {
  return {
    patterns: (typeof group.params === 'string' ? [group.params] : group.params).join(', '),
    lr: group.lr === undefined ? '' : String(group.lr),
    weightDecay: group.weight_decay === undefined ? '' : String(group.weight_decay),
    frozen: group.frozen === true,
  };
}

function optionalNumber(text: string, label: string): { value: number | undefined } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: undefined };
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value < 0) return { error: `${label} must be a number >= 0, or empty for the optimizer's (got "${trimmed}").` };
  return { value };
}

/** The group a row describes, or what is wrong with it. */
export function groupFromDraft(draft: GroupDraft): { group: ParamGroupConfig } | { error: string } {
  const patterns = draft.patterns.split(/[\s,]+/).filter((pattern) => pattern !== '');
  if (patterns.length === 0) return { error: 'Enter at least one name pattern, e.g. tok_emb.* or *.bias.' };
  const lr = optionalNumber(draft.lr, 'The learning rate');
  if ('error' in lr) return lr;
  const weightDecay = optionalNumber(draft.weightDecay, 'The weight decay');
  if ('error' in weightDecay) return weightDecay;
  if (draft.frozen && (lr.value !== undefined || weightDecay.value !== undefined)) {
    return { error: 'A frozen group is never updated: clear its learning rate and weight decay, or untick frozen.' };
  }
  if (!draft.frozen && lr.value === undefined && weightDecay.value === undefined) {
    return { error: 'Give the group a learning rate or a weight decay, or tick frozen.' };
  }
  const group = {
    params: patterns.length === 1 ? patterns[0] : patterns,
    ...(lr.value !== undefined && { lr: lr.value }),
    ...(weightDecay.value !== undefined && { weight_decay: weightDecay.value }),
    ...(draft.frozen && { frozen: true }),
  };
  const parsed = paramGroupSchema.safeParse(group);
  if (!parsed.success) return { error: parsed.error.issues.map((issue) => issue.message).join('; ') };
  return { group: parsed.data };
}
