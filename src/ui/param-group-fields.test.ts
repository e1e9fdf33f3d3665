import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../engine/config/run-config';
import { draftOf, EMPTY_GROUP_DRAFT, groupFromDraft } from './param-group-fields';

describe('parameter group rows', () => {
  it('turns a row into a group: patterns by commas or spaces, empty numbers left to the optimizer', () => {
    expect(groupFromDraft({ patterns: 'tok_emb.*, pos_emb.*', lr: '0.01', weightDecay: '', frozen: false })).toEqual({
      group: { params: ['tok_emb.*', 'pos_emb.*'], lr: 0.01 },
    });
    expect(groupFromDraft({ patterns: ' *.bias ', lr: '', weightDecay: '0', frozen: false })).toEqual({ group: { params: '*.bias', weight_decay: 0 } });
    expect(groupFromDraft({ patterns: '*_emb.weight', lr: '', weightDecay: '', frozen: true })).toEqual({ group: { params: '*_emb.weight', frozen: true } });
  });

  it('round-trips a group through its row', () => {
    for (const group of [
      { params: ['a.*', 'b.*'], lr: 1e-3, weight_decay: 0.1 },
      { params: '*.bias', frozen: true },
    ]) {
      expect(groupFromDraft(draftOf(group))).toEqual({ group });
    }
  });

  it('says what is wrong with a row', () => {
    expect(groupFromDraft(EMPTY_GROUP_DRAFT)).toEqual({ error: 'Enter at least one name pattern, e.g. tok_emb.* or *.bias.' });
    expect(groupFromDraft({ patterns: '*.bias', lr: '-1', weightDecay: '', frozen: false })).toEqual({
      error: 'The learning rate must be a number >= 0, or empty for the optimizer\'s (got "-1").',
    });
    expect(groupFromDraft({ patterns: '*.bias', lr: '', weightDecay: 'x', frozen: false })).toEqual({
      error: 'The weight decay must be a number >= 0, or empty for the optimizer\'s (got "x").',
    });
    expect(groupFromDraft({ patterns: '*.bias', lr: '0.1', weightDecay: '', frozen: true })).toEqual({
      error: 'A frozen group is never updated: clear its learning rate and weight decay, or untick frozen.',
    });
    expect(groupFromDraft({ patterns: '*.bias', lr: '', weightDecay: '', frozen: false })).toEqual({
      error: 'Give the group a learning rate or a weight decay, or tick frozen.',
    });
  });

  it('makes groups the run schema accepts', () => {
    const result = groupFromDraft({ patterns: 'conv1.*', lr: '0.01', weightDecay: '0', frozen: false });
    if (!('group' in result)) throw new Error(result.error);
    const config = parseRunConfig({ steps: 1, runs: [{ name: 'a', optimizer: { type: 'sgd', lr: 0.1 }, param_groups: [result.group] }] });
    expect(config.runs[0].param_groups).toEqual([{ params: 'conv1.*', lr: 0.01, weight_decay: 0 }]);
  });
});
