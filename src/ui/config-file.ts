// The setup as a YAML run config, the format of configs/ that `npm run train` reads, and back:
// a comparison set up in the page can be trained headless, and a config file opened in the page.

import { Document, isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../engine/config/run-config';
import { configToSetup, setupToConfig, type Setup } from './setup';

const HEADER = [
  ' AdaFisher playground setup: a run config in the format of configs/ (exported from the page).',
  ' Train it headless with:  npm run train -- --config FILE.yaml',
  ' or import it back into the page.',
].join('\n');

export function setupToYaml(setup: Setup): string {
  const doc = new Document(setupToConfig(setup));
  doc.commentBefore = HEADER;
  // One line per optimizer and schedule, as configs/ write them, so runs read as a table.
  const runs = doc.get('runs');
  if (isSeq(runs)) {
    for (const run of runs.items) {
      if (!isMap(run)) continue;
      for (const key of ['optimizer', 'schedule']) {
        const node = run.get(key);
        if (isMap(node)) node.flow = true;
      }
    }
  }
  // Lists of numbers and names on one line: starting values, the plane's two weights, a hand-set range.
  const init = doc.get('init');
  if (isMap(init)) for (const pair of init.items) if (isSeq(pair.value)) pair.value.flow = true;
  for (const path of [
    ['landscape', 'weights'],
    ['landscape', 'range', 'x'],
    ['landscape', 'range', 'y'],
  ]) {
    const node = doc.getIn(path, true);
    if (isSeq(node)) node.flow = true;
  }
  // lineWidth 0: never fold a long flow line, so each run's optimizer stays on one line.
  return doc.toString({ lineWidth: 0 });
}

/** The setup in a YAML run config; throws an Error naming the file with the line and column of a syntax error, or each invalid value's path and range. */
export function setupFromYaml(text: string, fileName: string): Setup {
  // prettyErrors off keeps yaml's message short (no quoted snippet); the line and column come from the LineCounter.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((error) => {
      const at = lineCounter.linePos(error.pos[0]);
      return `line ${at.line}, column ${at.col}: ${error.message}`;
    });
    throw new Error(
      `${fileName} is not valid YAML:\n${lines.map((line) => `  - ${line}`).join('\n')}\nFix the file (or export a fresh one from the page) and import it again.`,
    );
  }
  try {
    return configToSetup(doc.toJS());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new Error(
      `${fileName} is not a valid run config:\n${error.problems.map((problem) => `  - ${problem}`).join('\n')}\nFix these values (configs/ has examples) and import it again.`,
      {
        cause: error,
      },
    );
  }
}
