import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import {
  generateSyntheticLine,
  generateSyntheticText,
  SYNTHETIC_LEXICON as L,
  SYNTHETIC_MAX_DEPTH,
  SYNTHETIC_TEXT_WORDS,
  syntheticTextSplits,
  type SyntheticAgreement,
} from './synthetic-text';

type GrammaticalNumber = 'singular' | 'plural';

const allNouns = Object.values(L.nouns).flat();
const verbs = [...L.intransitiveVerbs, ...L.transitiveVerbs];

/** Grammatical number of every subject word: nouns, names, pronouns. */
const subjectNumber = new Map<string, GrammaticalNumber>([
  ...allNouns.flatMap((n) => [[n.singular, 'singular'] as const, [n.plural, 'plural'] as const]),
  ...L.names.map((name) => [name, 'singular'] as const),
  ...L.pronouns.map((p) => [p.word, p.number] as const),
]);

/** Number a finite verb form demands of its subject; null for forms that do not agree (past, modal). */
const verbNumber = new Map<string, GrammaticalNumber | null>([
  ...verbs.flatMap((v) => [[v.singular, 'singular'] as const, [v.plural, 'plural'] as const, [v.past, null] as const]),
  ...Object.values(L.copula).flatMap((forms) => [[forms.singular, 'singular'] as const, [forms.plural, 'plural'] as const]),
  ...[...L.modals.present, ...L.modals.past].map((m) => [m, null] as const),
]);

const modals = new Set([...L.modals.present, ...L.modals.past]);
const nounClassOf = new Map(
  Object.entries(L.nouns).flatMap(([nounClass, nouns]) => nouns.flatMap((n) => [[n.singular, nounClass] as const, [n.plural, nounClass] as const])),
);
const adjectives = new Set([...L.sizeAdjectives, ...L.adjectives].map((a) => a.word));

function tokens(lines: readonly string[]): string[] {
  return lines.flatMap((line) => [...line.split(' '), '<eos>']);
}

function entropyBits(counts: Iterable<number>, total: number): number {
  let bits = 0;
  for (const count of counts) bits -= (count / total) * Math.log2(count / total);
  return bits;
}

/** Plug-in estimates of H(w_t) and H(w_t | w_{t-1}) in bits. */
function unigramAndBigramEntropy(words: readonly string[]): { unigram: number; conditional: number } {
  const unigrams = new Map<string, number>();
  for (const word of words) unigrams.set(word, (unigrams.get(word) ?? 0) + 1);
  const pairs = new Map<string, number>();
  const previous = new Map<string, number>();
  for (let t = 1; t < words.length; t++) {
    const key = `${words[t - 1]}\u0000${words[t]}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    previous.set(words[t - 1], (previous.get(words[t - 1]) ?? 0) + 1);
  }
  // H(w_t | w_{t-1}) = H(w_{t-1}, w_t) - H(w_{t-1}), both over the same n - 1 pairs.
  const pairCount = words.length - 1;
  return {
    unigram: entropyBits(unigrams.values(), words.length),
    conditional: entropyBits(pairs.values(), pairCount) - entropyBits(previous.values(), pairCount),
  };
}

/**
 * Cross-entropy in bits on held-out tokens of a unigram (add-one) and a bigram model
 * (Witten-Bell interpolation with that unigram) counted on `train`. Unlike the plug-in
 * entropies it cannot be lowered by overfitting, so the gap between the two is conservative.
 */
function heldOutCrossEntropy(train: readonly string[], heldOut: readonly string[]): { unigram: number; bigram: number } {
  const unigrams = new Map<string, number>();
  for (const word of train) unigrams.set(word, (unigrams.get(word) ?? 0) + 1);
  const types = new Set([...train, ...heldOut]).size;
  const unigramProbability = (word: string) => ((unigrams.get(word) ?? 0) + 1) / (train.length + types);
  const pairs = new Map<string, number>();
  const followers = new Map<string, Set<string>>();
  const previous = new Map<string, number>();
  for (let t = 1; t < train.length; t++) {
    const key = `${train[t - 1]}\u0000${train[t]}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    previous.set(train[t - 1], (previous.get(train[t - 1]) ?? 0) + 1);
    if (!followers.has(train[t - 1])) followers.set(train[t - 1], new Set());
    followers.get(train[t - 1])!.add(train[t]);
  }
  let unigramBits = 0;
  let bigramBits = 0;
  for (let t = 1; t < heldOut.length; t++) {
    const [before, word] = [heldOut[t - 1], heldOut[t]];
    const context = previous.get(before) ?? 0;
    const distinct = followers.get(before)?.size ?? 0;
    const seenShare = context === 0 ? 0 : context / (context + distinct);
    const bigram = context === 0 ? 0 : (pairs.get(`${before}\u0000${word}`) ?? 0) / context;
    unigramBits -= Math.log2(unigramProbability(word));
    bigramBits -= Math.log2(seenShare * bigram + (1 - seenShare) * unigramProbability(word));
  }
  return { unigram: unigramBits / (heldOut.length - 1), bigram: bigramBits / (heldOut.length - 1) };
}

describe('generateSyntheticText', () => {
  it('gives the same lines for the same seed and different lines for another', () => {
    const a = generateSyntheticText({ seed: 7, lines: 200 });
    expect(generateSyntheticText({ seed: 7, lines: 200 })).toEqual(a);
    expect(generateSyntheticText({ seed: 7, lines: 50 })).toEqual(a.slice(0, 50));
    const b = generateSyntheticText({ seed: 8, lines: 200 });
    expect(a.filter((line, i) => line !== b[i]).length).toBeGreaterThan(190);
    expect(new Set(a).size).toBeGreaterThan(190);
  });

  it('writes paragraphs of 1 to 4 sentences, words and punctuation separated by single spaces', () => {
    const lines = generateSyntheticText({ seed: 3, lines: 1000 });
    const sentenceCounts = new Set<number>();
    const malformed: string[] = [];
    for (const line of lines) {
      const words = line.split(' ');
      if (!/^\S+( \S+)* \.$/.test(line) || !words.every((word) => word === ',' || word === '.' || /^[A-Za-z]+$/.test(word))) malformed.push(line);
      sentenceCounts.add(words.filter((w) => w === '.').length);
    }
    expect(malformed).toEqual([]);
    expect([...sentenceCounts].sort()).toEqual([1, 2, 3, 4]);
  });

  it('refuses a negative or fractional line count', () => {
    expect(() => generateSyntheticText({ seed: 1, lines: -1 })).toThrow(/whole number >= 0, got -1/);
    expect(() => generateSyntheticText({ seed: 1, lines: 2.5 })).toThrow(/got 2.5/);
    expect(generateSyntheticText({ seed: 1, lines: 0 })).toEqual([]);
  });
});

describe('syntheticTextSplits', () => {
  it('draws the three splits from independent seeded streams', () => {
    const sizes = { trainLines: 300, validationLines: 40, testLines: 50 };
    const splits = syntheticTextSplits(11, sizes);
    expect([splits.train.length, splits.validation.length, splits.test.length]).toEqual([300, 40, 50]);
    expect(syntheticTextSplits(11, sizes)).toEqual(splits);
    // A longer training split leaves the other two unchanged, and extends its own stream.
    const longer = syntheticTextSplits(11, { ...sizes, trainLines: 500 });
    expect(longer.validation).toEqual(splits.validation);
    expect(longer.test).toEqual(splits.test);
    expect(longer.train.slice(0, 300)).toEqual(splits.train);
    // No split repeats another's stream.
    expect(splits.validation.filter((line, i) => line === splits.train[i]).length).toBeLessThan(3);
    expect(splits.test.filter((line, i) => line === splits.validation[i]).length).toBeLessThan(3);
    expect(splits.test.filter((line, i) => line === splits.train[i]).length).toBeLessThan(3);
    expect(syntheticTextSplits(12, sizes).validation).not.toEqual(splits.validation);
  });
});

describe('grammar', () => {
  it('makes every finite verb agree with its subject, also across relative clauses, prepositional phrases and coordination', () => {
    const rng = createRng(5);
    let checked = { singular: 0, plural: 0, coordinated: 0, attracted: 0 };
    const depths = new Set<number>();
    const problems: string[] = [];
    for (let line = 0; line < 2000; line++) {
      const agreements: SyntheticAgreement[] = [];
      const text = generateSyntheticLine(rng, agreements);
      const words = text.split(' ');
      const recordedVerbs = new Set(agreements.map((a) => a.verb));
      // The trace must name every finite verb: any verb form not right after a modal.
      words.forEach((word, i) => {
        if (verbNumber.has(word) && !(i > 0 && modals.has(words[i - 1])) && !recordedVerbs.has(i)) problems.push(`untraced verb ${i} "${word}": ${text}`);
      });
      for (const { subjects, verb, depth } of agreements) {
        depths.add(depth);
        const expected = subjects.length > 1 ? 'plural' : subjectNumber.get(words[subjects[0]]);
        const demanded = verbNumber.get(words[verb]);
        if (expected === undefined || demanded === undefined) {
          problems.push(`subject "${words[subjects[0]]}" or verb "${words[verb]}" is not one: ${text}`);
          continue;
        }
        if (demanded === null) continue;
        if (demanded !== expected) problems.push(`${subjects.map((i) => words[i]).join(' and ')} ... ${words[verb]}: ${text}`);
        checked = { ...checked, [demanded]: checked[demanded] + 1 };
        if (subjects.length > 1) checked.coordinated++;
        // A noun of the other number just before the verb: agreement that a bigram model gets wrong.
        const before = subjectNumber.get(words[verb - 1]);
        if (verb - 1 !== subjects[subjects.length - 1] && before !== undefined && before !== demanded) checked.attracted++;
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(checked.singular).toBeGreaterThan(1000);
    expect(checked.plural).toBeGreaterThan(1000);
    expect(checked.coordinated).toBeGreaterThan(50);
    expect(checked.attracted).toBeGreaterThan(50);
    expect([...depths].sort()).toEqual(Array.from({ length: SYNTHETIC_MAX_DEPTH + 1 }, (_, d) => d));
  });

  it('agrees at the surface: determiners with nouns, a/an with the next sound, who/which with animacy, one tense per paragraph', () => {
    const singularOnly = new Set([...L.determiners.singular.filter((d) => !L.determiners.plural.includes(d)), L.indefiniteBeforeVowel]);
    const pluralOnly = new Set(L.determiners.plural.filter((d) => !L.determiners.singular.includes(d)));
    expect([singularOnly.size, pluralOnly.size]).toEqual([5, 7]);
    const presentForms = new Set([...verbs.map((v) => v.singular), ...Object.values(L.copula.present), ...L.modals.present]);
    const pastForms = new Set([...verbs.map((v) => v.past), ...Object.values(L.copula.past), ...L.modals.past]);
    const seen = { determiner: 0, an: 0, who: 0, which: 0, present: 0, past: 0 };
    const problems: string[] = [];
    for (const line of generateSyntheticText({ seed: 9, lines: 2000 })) {
      const words = line.split(' ');
      const tenses = new Set<'present' | 'past'>();
      words.forEach((word, i) => {
        const [before, next] = [words[i - 1], words[i + 1]];
        if (word === 'a' && /^[aeiou]/i.test(next)) problems.push(`a ${next}: ${line}`);
        if (word === L.indefiniteBeforeVowel) {
          if (!/^[aeiou]/i.test(next)) problems.push(`an ${next}: ${line}`);
          seen.an++;
        }
        if (singularOnly.has(word) || pluralOnly.has(word)) {
          let n = i + 1;
          while (adjectives.has(words[n])) n++;
          if (subjectNumber.get(words[n]) !== (singularOnly.has(word) ? 'singular' : 'plural')) problems.push(`${word} ... ${words[n]}: ${line}`);
          seen.determiner++;
        }
        if (word === L.relativizers.animate) {
          if (nounClassOf.get(before) !== 'animate' && !L.names.includes(before)) problems.push(`${before} who: ${line}`);
          seen.who++;
        }
        if (word === L.relativizers.inanimate) {
          if (nounClassOf.get(before) !== 'thing' && nounClassOf.get(before) !== 'place') problems.push(`${before} which: ${line}`);
          seen.which++;
        }
        if (presentForms.has(word)) tenses.add('present');
        if (pastForms.has(word)) tenses.add('past');
      });
      if (tenses.size > 1) problems.push(`two tenses: ${line}`);
      for (const tense of tenses) seen[tense]++;
    }
    expect(problems.slice(0, 5)).toEqual([]);
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(50);
  });
});

describe('SYNTHETIC_TEXT_WORDS', () => {
  it('lists each of 150 to 300 words once, and no word serves two word classes', () => {
    expect(SYNTHETIC_TEXT_WORDS.length).toBeGreaterThanOrEqual(150);
    expect(SYNTHETIC_TEXT_WORDS.length).toBeLessThanOrEqual(300);
    expect(new Set(SYNTHETIC_TEXT_WORDS).size).toBe(SYNTHETIC_TEXT_WORDS.length);
    const classes: Record<string, readonly string[]> = {
      noun: allNouns.flatMap((n) => [n.singular, n.plural]),
      name: L.names,
      pronoun: L.pronouns.map((p) => p.word),
      determiner: [...new Set([...L.determiners.singular, ...L.determiners.plural, L.indefiniteBeforeVowel])],
      adjective: [...adjectives],
      verb: [...new Set(verbs.flatMap((v) => [v.singular, v.plural, v.past]))],
      copula: [...Object.values(L.copula).flatMap((forms) => Object.values(forms)), L.infinitiveCopula],
      modal: [...modals],
      preposition: L.prepositions.map((p) => p.word),
      adverb: [...L.mannerAdverbs, ...L.introAdverbs.present, ...L.introAdverbs.past],
      relativizer: Object.values(L.relativizers),
      conjunction: [...L.coordinators, ...L.subordinators],
      punctuation: [L.comma, L.period],
    };
    const owner = new Map<string, string>();
    for (const [name, words] of Object.entries(classes)) {
      for (const word of words) {
        expect(owner.get(word), `"${word}" is both ${owner.get(word)} and ${name}`).toBeUndefined();
        owner.set(word, name);
      }
    }
    expect([...owner.keys()].sort()).toEqual([...SYNTHETIC_TEXT_WORDS].sort());
  });

  it('covers every generated word, and a training split of 2,000 lines emits every listed word', () => {
    const listed = new Set(SYNTHETIC_TEXT_WORDS);
    for (const seed of [1, 2, 3]) {
      const emitted = new Set(syntheticTextSplits(seed, { trainLines: 2000, validationLines: 0, testLines: 0 }).train.flatMap((line) => line.split(' ')));
      expect([...emitted].filter((word) => !listed.has(word))).toEqual([]);
      expect(SYNTHETIC_TEXT_WORDS.filter((word) => !emitted.has(word))).toEqual([]);
    }
  });
});

describe('structure', () => {
  it('has a bigram conditional entropy at least 1.5 bits below the unigram entropy, on held-out text too, unlike the same tokens shuffled', () => {
    const all = tokens(generateSyntheticText({ seed: 1, lines: 2400 }));
    const words = all.slice(0, 20_000);
    const heldOut = all.slice(20_000, 40_000);
    expect(heldOut.length).toBe(20_000);
    const { unigram, conditional } = unigramAndBigramEntropy(words);
    // The shuffled control has the same unigram distribution and the same estimator bias, but no order.
    const shuffled = [...words];
    const rng = createRng(2);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const control = unigramAndBigramEntropy(shuffled);
    const fair = heldOutCrossEntropy(words, heldOut);
    const fairControl = heldOutCrossEntropy(shuffled, heldOut);
    console.log(
      `synthetic text, 20,000 tokens: H(w) = ${unigram.toFixed(3)} bits, H(w_t | w_t-1) = ${conditional.toFixed(3)} bits; ` +
        `shuffled: H(w_t | w_t-1) = ${control.conditional.toFixed(3)}; held-out cross-entropy: unigram ${fair.unigram.toFixed(3)}, bigram ${fair.bigram.toFixed(3)}, ` +
        `bigram from shuffled ${fairControl.bigram.toFixed(3)} bits`,
    );
    expect(unigram - conditional).toBeGreaterThanOrEqual(1.5);
    // Half of a plug-in gap on 20,000 tokens is estimator bias (about 1.1 bits here, see the control);
    // the held-out gap is a lower bound on what a bigram model truly gains.
    expect(control.unigram).toBeCloseTo(unigram, 10);
    expect(unigram - conditional - (unigram - control.conditional)).toBeGreaterThan(1);
    expect(fair.unigram - fair.bigram).toBeGreaterThan(1.2);
    expect(fairControl.bigram).toBeGreaterThan(fair.unigram);
  });
});
