import { useState } from 'react';
import { usePlayground, usePlaygroundActions } from './playground-context';

/** Continues a prompt with a language-model run's current weights, during or after training. */
export function SamplePanel({ runs }: { runs: string[] }) {
  const { running, result, error } = usePlayground((s) => s.sample);
  const { requestSample } = usePlaygroundActions();
  const [run, setRun] = useState(runs[0]);
  const [prompt, setPrompt] = useState('the');
  const [tokens, setTokens] = useState(30);
  const [temperature, setTemperature] = useState(0.8);
  const [topK, setTopK] = useState(40);
  const valid = prompt.trim() !== '' && tokens >= 1 && tokens <= 1000 && temperature >= 0 && temperature <= 10 && Number.isInteger(topK) && topK >= 0;
  return (
    <section aria-labelledby="sample-title" className="sample-panel">
      <h3 id="sample-title">Sample text</h3>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          if (valid) requestSample({ run: runs.includes(run) ? run : runs[0], prompt, tokens, temperature, topK });
        }}
      >
        <label>
          Run
          <select value={run} onChange={(e) => setRun(e.target.value)}>
            {runs.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Prompt
          <input type="text" value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        </label>
        <label>
          Tokens (1–1000)
          <input type="number" min={1} max={1000} value={tokens} onChange={(e) => setTokens(Number(e.target.value))} />
        </label>
        <label>
          Temperature (0–10, 0 = most likely)
          <input type="number" min={0} max={10} step={0.1} value={temperature} onChange={(e) => setTemperature(Number(e.target.value))} />
        </label>
        <label>
          Top-k (0 = all)
          <input type="number" min={0} value={topK} onChange={(e) => setTopK(Number(e.target.value))} />
        </label>
        <button type="submit" disabled={!valid || running}>
          {running ? 'Generating…' : 'Generate'}
        </button>
      </form>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {result && (
        <blockquote data-testid="sample-text">
          <strong>{result.prompt}</strong> {result.text}
        </blockquote>
      )}
    </section>
  );
}
