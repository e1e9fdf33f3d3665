// A language model's prompt and continuation in the tokens of its training text. Word level: the
// prompt is split as every line of the corpus was (Python's str.split), words the vocabulary
// lacks read as its unknown-word token, and a generated end-of-line token becomes a line break.
// GPT-1 BPE: the prompt is encoded as the corpus was (lower-cased, punctuation split off, pieces
// outside the vocabulary as "<unk>"), and ids are decoded by joining pieces, "</w>" a space.

import { Gpt1BpeTokenizer } from './gpt1-bpe';
import type { TextVocabulary } from './training-data';
import { lineWords } from './wikitext';

export interface PromptTokens {
  ids: number[];
  /** The prompt as the model reads it: its words, unknown ones as the unknown-word token. */
  text: string;
}

export function encodePrompt(prompt: string, vocabulary: TextVocabulary): PromptTokens {
  if (vocabulary instanceof Gpt1BpeTokenizer) {
    const ids = vocabulary.encode(prompt);
    return { ids, text: vocabulary.decode(ids) };
  }
  const ids = lineWords(prompt).map((word) => vocabulary.idOf.get(word) ?? vocabulary.unk);
  return { ids, text: ids.map((id) => vocabulary.tokens[id]).join(' ') };
}

/** Generated ids as text: words separated by spaces, each end-of-line token a line break (word level), or GPT-1's pieces joined. */
export function decodeGenerated(ids: readonly number[], vocabulary: TextVocabulary): string {
  if (vocabulary instanceof Gpt1BpeTokenizer) return vocabulary.decode(ids);
  return ids
    .map((id) => (id === vocabulary.eos ? '\n' : vocabulary.tokens[id]))
    .join(' ')
    .replace(/ ?\n ?/g, '\n');
}
