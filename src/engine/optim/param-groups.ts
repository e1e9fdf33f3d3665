// Parameter groups (PyTorch's param_groups, chosen by name pattern): which group each of a
// model's weights and biases falls in, checked against the model before anything is built.
// A trained tensor ends with (lrScale, weightDecay): its step uses lrScale × the run's scheduled
// lr, so a group's absolute lr is scheduled like the optimizer's own (schedules are linear in lr).

import type { OptimizerConfig, ParamGroupConfig } from '../config/run-config';
import { isPreconditioned, type ModelGraph } from '../nn/graph';
import { frozenParameterNames, parameterSpecs } from '../nn/parameters';

/** A trained tensor's setting: lr = lrScale × the run's scheduled lr, and its weight decay. */
export interface TensorHyperparameters {
  readonly lrScale: number;
  readonly weightDecay: number;
}

export interface ResolvedParameterGroups {
  /** Every parameter a `frozen: true` group claims (to join the graph's `frozen`). */
  readonly frozen: readonly string[];
  /** The tensors whose lr or weight decay a group sets; the others use the optimizer's. */
  readonly settings: ReadonlyMap<string, TensorHyperparameters>;
}

export const NO_PARAMETER_GROUPS: ResolvedParameterGroups = { frozen: [], settings: new Map() };

/**
 * Optimizers whose update reads a per-tensor lr and weight decay (K-FAC and Shampoo in their SGD
 * tail). K-FAC's notebook variant refuses groups that set them.
 */
const GROUPED_OPTIMIZERS: ReadonlySet<OptimizerConfig['type']> = new Set(['sgd', 'adam', 'adamw', 'adafisher', 'adafisherw', 'kfac', 'shampoo', 'adahessian']);

function takesGroups(optimizer: OptimizerConfig): boolean {
  return GROUPED_OPTIMIZERS.has(optimizer.type) && (optimizer.type !== 'kfac' || optimizer.variant === 'asdl');
}

const OPTIMIZER_NAMES: Record<OptimizerConfig['type'], string> = {
  sgd: 'SGD',
  adam: 'Adam',
  adamw: 'AdamW',
  adafisher: 'AdaFisher',
  adafisherw: 'AdaFisherW',
  kfac: 'K-FAC',
  shampoo: 'Shampoo',
  adahessian: 'AdaHessian',
};

function optimizerName(optimizer: OptimizerConfig): string {
  return optimizer.type === 'kfac' && optimizer.variant === 'notebook' ? "K-FAC's notebook variant" : OPTIMIZER_NAMES[optimizer.type];
}

/** `*` matches any run of characters (dots included); everything else matches itself; the whole name must match. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

function patternsOf(group: ParamGroupConfig): string[] {
  return typeof group.params === 'string' ? [group.params] : group.params;
}

function fewNames(names: readonly string[]): string {
  const shown = names.slice(0, 6).join(', ');
  return names.length > 6 ? `${shown}, … (${names.length} in all)` : shown;
}

/**
 * Maps each weight and bias of `graph` to its group and checks the groups: a pattern that
 * matches no parameter, a parameter claimed by two groups, a frozen group that also sets lr or
 * weight_decay, freezing what the model cannot freeze, setting lr or weight decay on a tensor
 * the model already freezes, and (with `optimizer`) an optimizer that cannot apply per-group
 * settings, or a group lr the schedule cannot scale (optimizer lr 0), are each refused.
 * `where` names the run in messages.
 */
export function resolveParameterGroups(
  graph: ModelGraph,
  groups: readonly ParamGroupConfig[] | undefined,
  optimizer: OptimizerConfig,
  where: string,
): ResolvedParameterGroups {
  if (!groups || groups.length === 0) return NO_PARAMETER_GROUPS;
  const specs = parameterSpecs(graph).filter((spec) => spec.trainable || spec.frozen);
  const names = specs.map((spec) => spec.name);
  const modelFrozen = new Set(specs.filter((spec) => spec.frozen).map((spec) => spec.name));
  const owner = new Map<string, number>();
  const frozen: string[] = [];
  const settings = new Map<string, TensorHyperparameters>();
  groups.forEach((group, index) => {
    const label = `${where}: param_groups[${index}]`;
    if (group.frozen && (group.lr !== undefined || group.weight_decay !== undefined)) {
      throw new Error(`${label}: a frozen group is never updated: remove its lr and weight_decay, or frozen`);
    }
    const setsHyper = group.lr !== undefined || group.weight_decay !== undefined;
    if (setsHyper && !takesGroups(optimizer)) {
      throw new Error(
        `${label}: ${optimizerName(optimizer)} does not take a per-group lr or weight_decay yet; use ${[...GROUPED_OPTIMIZERS].map((type) => OPTIMIZER_NAMES[type]).join(', ')} (K-FAC's asdl variant), or keep only frozen groups`,
      );
    }
    if (group.lr !== undefined && group.lr > 0 && optimizer.lr === 0) {
      throw new Error(`${label}: a group lr is scheduled relative to the optimizer's lr, which is 0; give the optimizer an lr > 0`);
    }
    const members: string[] = [];
    for (const pattern of patternsOf(group)) {
      const regex = globToRegExp(pattern);
      const matched = names.filter((name) => regex.test(name));
      if (matched.length === 0) {
        throw new Error(`${label}: pattern "${pattern}" matches no parameter of ${graph.preset}; its parameters include ${fewNames(names)}`);
      }
      for (const name of matched) {
        const previous = owner.get(name);
        if (previous !== undefined && previous !== index) {
          throw new Error(`${where}: param_groups[${previous}] and param_groups[${index}] both claim "${name}"; a parameter belongs to one group`);
        }
        if (previous === undefined) members.push(name);
        owner.set(name, index);
      }
    }
    if (group.frozen) {
      // The model's own rule for what can be frozen, with its message, prefixed by the group.
      try {
        frozenParameterNames({ ...graph, frozen: members });
      } catch (error) {
        throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      }
      frozen.push(...members);
      return;
    }
    for (const name of members) {
      if (setsHyper && modelFrozen.has(name)) {
        throw new Error(`${label}: "${name}" is frozen by ${graph.preset}, so an lr or weight_decay for it would never apply; leave it out of this group`);
      }
      if (!setsHyper) continue;
      settings.set(name, {
        lrScale: group.lr === undefined ? 1 : group.lr / optimizer.lr,
        weightDecay: group.weight_decay ?? optimizer.weight_decay,
      });
    }
  });
  if (frozen.length > 0) {
    try {
      frozenParameterNames({ ...graph, frozen: [...new Set([...modelFrozen, ...frozen])] });
    } catch (error) {
      throw new Error(`${where}: param_groups: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (LAYERWISE_OPTIMIZERS.has(optimizer.type)) checkWholeLayersFrozen(graph, new Set([...modelFrozen, ...frozen]), optimizer, where);
  }
  return { frozen, settings };
}

/** Optimizers that precondition a layer's weight and bias together, from the layer's input and output gradient. */
const LAYERWISE_OPTIMIZERS: ReadonlySet<OptimizerConfig['type']> = new Set(['adafisher', 'adafisherw', 'kfac']);

/** Refuses a layer with one parameter frozen and the other trained: its Kronecker factors describe both. */
function checkWholeLayersFrozen(graph: ModelGraph, frozen: ReadonlySet<string>, optimizer: OptimizerConfig, where: string): void {
  for (const node of graph.nodes.filter(isPreconditioned)) {
    const roles = parameterSpecs({ ...graph, frozen: [] }).filter((spec) => spec.layer === node.name && spec.trainable);
    const frozenRoles = roles.filter((spec) => frozen.has(spec.name));
    if (frozenRoles.length > 0 && frozenRoles.length < roles.length) {
      const trained = roles.find((spec) => !frozen.has(spec.name))!;
      throw new Error(
        `${where}: param_groups freeze ${frozenRoles[0].name} but train ${trained.name}; ${optimizerName(optimizer)} preconditions a layer's weight and bias together, so freeze both (e.g. "${node.name}.*") or neither`,
      );
    }
  }
}

/** The graph a run trains: `graph` with the groups' frozen tensors added to its own. */
export function graphWithGroups(graph: ModelGraph, groups: ResolvedParameterGroups): ModelGraph {
  if (groups.frozen.length === 0) return graph;
  return { ...graph, frozen: [...new Set([...(graph.frozen ?? []), ...groups.frozen])] };
}

/** A trained tensor's lr scale and weight decay under `groups` (the optimizer's own when no group sets them). */
export function tensorHyperparameters(groups: ResolvedParameterGroups, name: string, weightDecay: number): TensorHyperparameters {
  return groups.settings.get(name) ?? { lrScale: 1, weightDecay };
}

/** Refuses groups that set lr or weight decay for an optimizer that would not apply them. */
export function checkGroupsApply(optimizer: OptimizerConfig, groups: ResolvedParameterGroups): void {
  if (groups.settings.size > 0 && !takesGroups(optimizer)) {
    throw new Error(
      `${optimizerName(optimizer)} does not take a per-group lr or weight_decay yet (parameter groups set them for ${fewNames([...groups.settings.keys()])})`,
    );
  }
}
