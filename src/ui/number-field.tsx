import { useState } from 'react';

/** A whole number typed as text: the setup changes only once the text is a whole number in range, which is shown under the input. */
export function NumberField({
  label,
  range,
  value,
  min,
  max,
  disabled,
  onChange,
}: {
  label: string;
  range: string;
  value: number;
  min: number;
  max?: number;
  disabled: boolean;
  onChange: (value: number) => void;
}) {
  const [text, setText] = useState(String(value));
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    // The setup changed elsewhere (a task switch, an import): show its value.
    setShown(value);
    setText(String(value));
  }
  const parsed = Number(text);
  const valid = text.trim() !== '' && Number.isInteger(parsed) && parsed >= min && (max === undefined || parsed <= max);
  const id = `field-${label.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        min={min}
        max={max}
        value={text}
        disabled={disabled}
        aria-invalid={!valid}
        aria-describedby={`${id}-range`}
        onChange={(event) => {
          setText(event.target.value);
          const next = Number(event.target.value);
          if (event.target.value.trim() !== '' && Number.isInteger(next) && next >= min && (max === undefined || next <= max)) onChange(next);
        }}
      />
      <small id={`${id}-range`} className={valid ? 'muted' : 'alert'}>
        {valid ? range : `${range}: enter a whole number in range`}
      </small>
    </div>
  );
}
