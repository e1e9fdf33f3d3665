import { useEffect, useId, useRef, useState } from 'react';
import type { OptimizerConfig, RunSpec, ScheduleConfig } from '../engine/config/run-config';
import {
  defaultRun,
  duplicateRun,
  fieldsOf,
  formatFieldValue,
  MAX_RUNS,
  OPTIMIZER_LABELS,
  OPTIMIZER_TYPES,
  parseFieldInput,
  renameProblem,
  type FieldSpec,
  type FieldValue,
  type OptimizerType,
} from './optimizer-fields';
import { colorInputValue, displayColor } from './run-colors';
import type { Task } from './setup';
import './run-editor.css';
import { ParamGroupsEditor } from './param-groups-editor';

export interface RunEditorProps {
  runs: RunSpec[];
  task: Task;
  disabled: boolean;
  /** Called only with runs whose every value passed the schema's checks. */
  onChange: (runs: RunSpec[]) => void;
  /** Trains only this run (the card shows a "Start <name> alone" button when given). */
  onStartOne?: (name: string) => void;
  /** The start button is disabled (no GPU yet, an invalid setup, data not ready). */
  startDisabled?: boolean;
}

type Section = OptimizerType | 'schedule';

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const numberText = (value: number) => String(Number(value.toPrecision(3)));

/**
 * Text the user types stays in the input while it is invalid (with the reason under it); the
 * run changes only once the text is valid. A new value from outside (type change, import)
 * replaces the text.
 */
function useLocalText<T>(value: T, format: (value: T) => string) {
  const [text, setText] = useState(() => format(value));
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState(value);
  if (!sameValue(shown, value)) {
    setShown(value);
    setText(format(value));
    setError(null);
  }
  return { text, setText, error, setError, setShown };
}

interface FieldProps {
  section: Section;
  spec: FieldSpec;
  value: FieldValue;
  onCommit: (value: FieldValue) => void;
  /** The field has no effect with the run's other settings (a K-FAC notebook-only field under asdl): shown dimmed, still editable. */
  inactive?: boolean;
}

function FieldRange({ id, spec }: { id: string; spec: FieldSpec }) {
  return (
    <span id={id} className="run-field-range">
      {spec.range}
      {spec.only && <span className="run-field-only"> · {spec.only.note}</span>}
    </span>
  );
}

/** A number or a pair of numbers, typed as text and checked on every keystroke. */
const fieldClass = (inactive: boolean | undefined, extra = '') => ['run-field', extra, inactive ? 'run-field-inactive' : ''].filter(Boolean).join(' ');

function TextField({ section, spec, value, onCommit, inactive }: FieldProps) {
  const id = useId();
  const { text, setText, error, setError, setShown } = useLocalText(value, formatFieldValue);
  const change = (next: string) => {
    setText(next);
    const parsed = parseFieldInput(section, spec.key, next);
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    setError(null);
    // The value the text stands for: the run's new value must not reformat what is being typed.
    setShown(parsed.value);
    if (!sameValue(parsed.value, value)) onCommit(parsed.value);
  };
  return (
    <div className={fieldClass(inactive)}>
      <label htmlFor={id}>{spec.label}</label>
      <input
        id={id}
        type="text"
        inputMode={spec.whole ? 'numeric' : 'decimal'}
        autoComplete="off"
        spellCheck={false}
        title={spec.help}
        value={text}
        aria-invalid={error !== null}
        aria-describedby={error === null ? `${id}-range` : `${id}-range ${id}-error`}
        onChange={(event) => change(event.target.value)}
        onKeyDown={(event) => {
          // Escape gives up an invalid edit and shows the value in use again.
          if (event.key === 'Escape' && error !== null) {
            event.preventDefault();
            setText(formatFieldValue(value));
            setError(null);
          }
        }}
      />
      <FieldRange id={`${id}-range`} spec={spec} />
      {error !== null && (
        <p id={`${id}-error`} className="run-field-error" role="alert">
          {error}. Still using {formatFieldValue(value)}.
        </p>
      )}
    </div>
  );
}

function ChoiceField({ spec, value, onCommit, inactive }: FieldProps) {
  const id = useId();
  return (
    <div className={fieldClass(inactive)}>
      <label htmlFor={id}>{spec.label}</label>
      <select id={id} title={spec.help} value={String(value)} aria-describedby={`${id}-range`} onChange={(event) => onCommit(event.target.value)}>
        {(spec.options ?? []).map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
      <FieldRange id={`${id}-range`} spec={spec} />
    </div>
  );
}

function BooleanField({ spec, value, onCommit, inactive }: FieldProps) {
  const id = useId();
  return (
    <div className={fieldClass(inactive, 'run-field-check')}>
      <span className="run-field-check-row">
        <input
          id={id}
          type="checkbox"
          title={spec.help}
          checked={value === true}
          aria-describedby={`${id}-range`}
          onChange={(event) => onCommit(event.target.checked)}
        />
        <label htmlFor={id}>{spec.label}</label>
      </span>
      <FieldRange id={`${id}-range`} spec={spec} />
    </div>
  );
}

function Field(props: FieldProps) {
  switch (props.spec.kind) {
    case 'number':
    case 'pair':
      return <TextField {...props} />;
    case 'choice':
      return <ChoiceField {...props} />;
    case 'boolean':
      return <BooleanField {...props} />;
  }
}

function NameField({
  name,
  others,
  onCommit,
  inputRef,
}: {
  name: string;
  others: string[];
  onCommit: (name: string) => void;
  inputRef: (input: HTMLInputElement | null) => void;
}) {
  const id = useId();
  const { text, setText, error, setError, setShown } = useLocalText(name, (value) => value);
  const change = (next: string) => {
    setText(next);
    const problem = renameProblem(next, others);
    setError(problem);
    if (problem === null) {
      setShown(next);
      onCommit(next);
    }
  };
  return (
    <div className="run-field">
      <label htmlFor={id}>Name</label>
      <input
        id={id}
        ref={inputRef}
        type="text"
        autoComplete="off"
        spellCheck={false}
        value={text}
        aria-invalid={error !== null}
        aria-describedby={error === null ? undefined : `${id}-error`}
        onChange={(event) => change(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && error !== null) {
            event.preventDefault();
            setText(name);
            setError(null);
          }
        }}
      />
      {error !== null && (
        <p id={`${id}-error`} className="run-field-error" role="alert">
          {error} Still named {name}.
        </p>
      )}
    </div>
  );
}

/** The run's colour as a swatch and a colour picker; a run without its own colour shows the palette's for its place. */
function ColorField({ run, color, onCommit }: { run: RunSpec; color: string; onCommit: (color: string) => void }) {
  const id = useId();
  return (
    <div className="run-field">
      <label htmlFor={id}>Colour</label>
      <input
        id={id}
        type="color"
        className="run-color"
        value={colorInputValue(color)}
        aria-describedby={`${id}-range`}
        onChange={(event) => onCommit(event.target.value)}
      />
      <span id={`${id}-range`} className="run-field-range">
        {run.color ? `its own: ${run.color}` : 'the palette’s, by its place'}
      </span>
    </div>
  );
}

interface CardProps {
  run: RunSpec;
  /** The colour the charts draw the run in. */
  color: string;
  others: string[];
  task: Task;
  canRemove: boolean;
  canDuplicate: boolean;
  nameRef: (input: HTMLInputElement | null) => void;
  onChange: (run: RunSpec) => void;
  onDuplicate: () => void;
  onRemove: () => void;
  onStart?: () => void;
  startDisabled?: boolean;
}

function RunCard({ run, color, others, task, canRemove, canDuplicate, nameRef, onChange, onDuplicate, onRemove, onStart, startDisabled }: CardProps) {
  const typeId = useId();
  const type = run.optimizer.type;
  const optimizer = run.optimizer as Record<string, unknown>;
  const schedule = run.schedule as Record<string, unknown>;
  const optimizerFields = fieldsOf(type);
  const scheduleFields = fieldsOf('schedule');
  const setOptimizer = (key: string, value: FieldValue) => onChange({ ...run, optimizer: { ...run.optimizer, [key]: value } as OptimizerConfig });
  const setSchedule = (key: string, value: FieldValue) => onChange({ ...run, schedule: { ...run.schedule, [key]: value } as ScheduleConfig });
  const fisher = run.optimizer.type === 'adafisher' || run.optimizer.type === 'adafisherw' ? run.optimizer : null;
  return (
    <fieldset className="run-card">
      <legend>
        <span className="run-swatch" style={{ background: color }} data-testid={`run-swatch-${run.name}`} aria-hidden="true" />
        {run.name}
      </legend>
      <div className="run-card-grid">
        <NameField name={run.name} others={others} inputRef={nameRef} onCommit={(name) => onChange({ ...run, name })} />
        <ColorField run={run} color={color} onCommit={(next) => onChange({ ...run, color: next })} />
        <div className="run-field">
          <label htmlFor={typeId}>Optimizer</label>
          <select
            id={typeId}
            value={type}
            onChange={(event) => {
              // A new type starts from that type's recommended settings; the name and schedule stay.
              const next = event.target.value as OptimizerType;
              onChange({ ...run, optimizer: defaultRun(next, task, []).optimizer });
            }}
          >
            {OPTIMIZER_TYPES.map((option) => (
              <option key={option} value={option}>
                {OPTIMIZER_LABELS[option]}
              </option>
            ))}
          </select>
        </div>
        {optimizerFields.map((spec) => (
          // Keyed by type too, so an edit in progress does not carry over to another optimizer.
          <Field
            key={`${type}-${spec.key}`}
            section={type}
            spec={spec}
            value={optimizer[spec.key] as FieldValue}
            inactive={spec.only !== undefined && optimizer[spec.only.key] !== spec.only.value}
            onCommit={(value) => setOptimizer(spec.key, value)}
          />
        ))}
      </div>
      {fisher && <p className="run-card-note">Effective step lr/λ ≈ {numberText(fisher.lr / fisher.damping)} (F stays near λ once the factors settle).</p>}
      <fieldset className="run-schedule">
        <legend>Learning-rate schedule</legend>
        <div className="run-card-grid">
          {scheduleFields.map((spec) => (
            <Field key={spec.key} section="schedule" spec={spec} value={schedule[spec.key] as FieldValue} onCommit={(value) => setSchedule(spec.key, value)} />
          ))}
        </div>
      </fieldset>
      <ParamGroupsEditor run={run} onChange={onChange} />
      <details className="run-help">
        <summary>What these settings do</summary>
        <dl>
          {[...optimizerFields, ...scheduleFields].map((spec) => (
            <div key={spec.key}>
              <dt>{spec.label}</dt>
              <dd>
                {spec.only && `${spec.only.note[0].toUpperCase()}${spec.only.note.slice(1)}: `}
                {spec.help}
              </dd>
            </div>
          ))}
        </dl>
      </details>
      <div className="run-card-actions">
        <button type="button" className="secondary" aria-label={`Duplicate ${run.name}`} disabled={!canDuplicate} onClick={onDuplicate}>
          Duplicate
        </button>
        <button type="button" className="secondary" aria-label={`Remove ${run.name}`} disabled={!canRemove} onClick={onRemove}>
          Remove
        </button>
        {onStart && (
          <button type="button" className="secondary" aria-label={`Start ${run.name} alone`} disabled={startDisabled} onClick={onStart}>
            Start alone
          </button>
        )}
      </div>
    </fieldset>
  );
}

/** Stable React keys for the cards, so renaming a run does not remount its card (and lose focus). */
interface CardKeys {
  keys: string[];
  next: number;
}

const freshKeys = (count: number, next: number): CardKeys => ({ keys: Array.from({ length: count }, (_, i) => `run-${next + i}`), next: next + count });

/** The list of runs of the setup panel: one card per run with its optimizer, hyperparameters and schedule. */
export function RunEditor({ runs, task, disabled, onChange, onStartOne, startDisabled }: RunEditorProps) {
  const addId = useId();
  const [cardKeys, setCardKeys] = useState(() => freshKeys(runs.length, 0));
  // Runs replaced from outside (an imported config, another task): new cards.
  if (cardKeys.keys.length !== runs.length) setCardKeys(freshKeys(runs.length, cardKeys.next));
  // The type of the next run to add; a new task starts from its paper optimizer (AdaFisherW for text).
  const [addChoice, setAddChoice] = useState<{ task: Task; type: OptimizerType } | null>(null);
  const addType: OptimizerType = addChoice?.task === task ? addChoice.type : task === 'language-modeling' ? 'adafisherw' : 'adafisher';
  const nameInputs = useRef(new Map<string, HTMLInputElement>());
  // After adding, duplicating or removing, focus moves to the name of the new or neighbouring run.
  const [focusRequest, setFocusRequest] = useState<{ key: string } | null>(null);
  useEffect(() => {
    if (focusRequest) nameInputs.current.get(focusRequest.key)?.focus();
  }, [focusRequest]);

  const names = runs.map((run) => run.name);
  const full = runs.length >= MAX_RUNS;

  const insert = (index: number, run: RunSpec) => {
    const key = `run-${cardKeys.next}`;
    setCardKeys({ keys: [...cardKeys.keys.slice(0, index), key, ...cardKeys.keys.slice(index)], next: cardKeys.next + 1 });
    setFocusRequest({ key });
    onChange([...runs.slice(0, index), run, ...runs.slice(index)]);
  };
  const remove = (index: number) => {
    const keys = cardKeys.keys.filter((_, i) => i !== index);
    setCardKeys({ keys, next: cardKeys.next });
    setFocusRequest({ key: keys[Math.min(index, keys.length - 1)] });
    onChange(runs.filter((_, i) => i !== index));
  };

  return (
    <fieldset className="run-editor" disabled={disabled}>
      <legend>
        Runs ({runs.length} of at most {MAX_RUNS})
      </legend>
      <ol className="run-editor-list">
        {runs.map((run, index) => {
          const key = cardKeys.keys[index] ?? `run-${index}`;
          return (
            <li key={key} data-testid={`run-card-${run.name}`}>
              <RunCard
                run={run}
                color={displayColor(run, index)}
                others={names.filter((_, i) => i !== index)}
                task={task}
                canRemove={runs.length > 1}
                canDuplicate={!full}
                nameRef={(input) => {
                  if (input) nameInputs.current.set(key, input);
                  else nameInputs.current.delete(key);
                }}
                onChange={(next) => onChange(runs.map((other, i) => (i === index ? next : other)))}
                onDuplicate={() => insert(index + 1, duplicateRun(run, names))}
                onRemove={() => remove(index)}
                onStart={onStartOne && (() => onStartOne(run.name))}
                startDisabled={startDisabled}
              />
            </li>
          );
        })}
      </ol>
      <div className="run-add">
        <div className="run-field">
          <label htmlFor={addId}>New run&apos;s optimizer</label>
          <select id={addId} value={addType} disabled={full} onChange={(event) => setAddChoice({ task, type: event.target.value as OptimizerType })}>
            {OPTIMIZER_TYPES.map((option) => (
              <option key={option} value={option}>
                {OPTIMIZER_LABELS[option]}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          disabled={full}
          aria-describedby={full ? `${addId}-full` : undefined}
          onClick={() => insert(runs.length, defaultRun(addType, task, names))}
        >
          Add run
        </button>
      </div>
      {full && (
        <p id={`${addId}-full`} className="run-card-note">
          {MAX_RUNS} runs is the most that train at once: remove one to add another.
        </p>
      )}
    </fieldset>
  );
}
