// A language model's prompt and continuation in the words of its training text: the prompt is
// split as every line of the corpus was (Python's str.split), words the vocabulary lacks read
// as its unknown-word token, and a generated end-of-line token becomes a line break.

import { lineWords, type Vocabulary } from './wikitext';

export interface PromptTokens {
  ids: number[];
  /** The prompt as the model reads it: its words, unknown ones as the unknown-word token. */
  text: string;
}

export function encodePrompt(prompt: string, vocabulary: Vocabulary): PromptTokens {
  const ids = lineWords(prompt).map((word) => vocabulary.idOf.get(word) ?? vocabulary.unk);
  return { ids, text: ids.map((id) => vocabulary.tokens[id]).join(' ') };
}

/** Generated ids as text: words separated by spaces, each end-of-line token a line break. */
export function decodeGenerated(ids: readonly number[], vocabulary: Vocabulary): string {
  return ids
    .map((id) => (id === vocabulary.eos ? '\n' : vocabulary.tokens[id]))
    .join(' ')
    .replace(/ ?\n ?/g, '\n');
}
