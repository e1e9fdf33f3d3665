// A built-in English-like corpus, generated from a seed by a small probabilistic grammar, so a
// language model can be trained offline on text with real structure: determiner-noun and
// subject-verb agreement (also across relative clauses and prepositional phrases), "a"/"an"
// before consonants/vowels, who/which by animacy, verbs that choose their subjects and
// objects, a tense held for a whole paragraph, and Zipf-like word choice in every category.
// Lines are paragraphs of 1-4 sentences, words and punctuation separated by single spaces
// like WikiText's tokenized files, so the same whitespace tokenizer applies.

import { createRng, type Rng } from '../random';

type NounClass = 'animate' | 'thing' | 'place';
type GrammaticalNumber = 'singular' | 'plural';
type Tense = 'present' | 'past';

export interface NounForms {
  singular: string;
  plural: string;
}

export interface VerbForms {
  /** Present tense with a singular subject. */
  singular: string;
  /** Present tense with a plural subject, and the infinitive after a modal. */
  plural: string;
  past: string;
}

export interface IntransitiveVerb extends VerbForms {
  subjects: readonly NounClass[];
}

/** Subjects of transitive verbs are always animate. */
export interface TransitiveVerb extends VerbForms {
  objects: readonly NounClass[];
}

export interface ClassedWord {
  word: string;
  classes: readonly NounClass[];
}

export interface SyntheticLexicon {
  /** Every list is in order of frequency rank: earlier words are drawn more often. */
  nouns: Readonly<Record<NounClass, readonly NounForms[]>>;
  /** Animate, singular, without determiner. */
  names: readonly string[];
  /** Subjects of main clauses only. */
  pronouns: readonly { word: string; number: GrammaticalNumber; classes: readonly NounClass[] }[];
  determiners: Readonly<Record<GrammaticalNumber, readonly string[]>>;
  /** The form "a" takes before a word that starts with a vowel. */
  indefiniteBeforeVowel: string;
  /** Size comes first when a noun has two adjectives ("a big red ball"), and never twice. */
  sizeAdjectives: readonly ClassedWord[];
  adjectives: readonly ClassedWord[];
  intransitiveVerbs: readonly IntransitiveVerb[];
  transitiveVerbs: readonly TransitiveVerb[];
  copula: Readonly<Record<Tense, Readonly<Record<GrammaticalNumber, string>>>>;
  modals: Readonly<Record<Tense, readonly string[]>>;
  /** The copula after a modal. */
  infinitiveCopula: string;
  /** Each with the classes of noun it takes as object. */
  prepositions: readonly ClassedWord[];
  /** Prepositions that can follow the copula ("is in the garden"). */
  locativePrepositions: readonly string[];
  mannerAdverbs: readonly string[];
  /** Sentence openers, followed by a comma; each agrees with the paragraph's tense. */
  introAdverbs: Readonly<Record<Tense, readonly string[]>>;
  relativizers: Readonly<Record<'animate' | 'inanimate' | 'any', string>>;
  /** Joining two clauses after a comma. */
  coordinators: readonly string[];
  /** Joining two clauses without a comma. */
  subordinators: readonly string[];
  comma: string;
  period: string;
}

const ANY: readonly NounClass[] = ['animate', 'thing', 'place'];

const noun = (singular: string, plural: string): NounForms => ({ singular, plural });
const intransitive = (singular: string, plural: string, past: string, subjects: readonly NounClass[]): IntransitiveVerb => ({
  singular,
  plural,
  past,
  subjects,
});
const transitive = (singular: string, plural: string, past: string, objects: readonly NounClass[]): TransitiveVerb => ({ singular, plural, past, objects });
const classed = (word: string, classes: readonly NounClass[]): ClassedWord => ({ word, classes });

export const SYNTHETIC_LEXICON: SyntheticLexicon = {
  nouns: {
    animate: [
      noun('dog', 'dogs'),
      noun('cat', 'cats'),
      noun('child', 'children'),
      noun('bird', 'birds'),
      noun('man', 'men'),
      noun('woman', 'women'),
      noun('girl', 'girls'),
      noun('boy', 'boys'),
      noun('horse', 'horses'),
      noun('fox', 'foxes'),
      noun('teacher', 'teachers'),
      noun('farmer', 'farmers'),
      noun('mouse', 'mice'),
      noun('owl', 'owls'),
      noun('wolf', 'wolves'),
      noun('sailor', 'sailors'),
    ],
    thing: [
      noun('ball', 'balls'),
      noun('box', 'boxes'),
      noun('book', 'books'),
      noun('apple', 'apples'),
      noun('cup', 'cups'),
      noun('key', 'keys'),
      noun('hat', 'hats'),
      noun('letter', 'letters'),
      noun('stone', 'stones'),
      noun('coin', 'coins'),
      noun('egg', 'eggs'),
      noun('lamp', 'lamps'),
      noun('basket', 'baskets'),
      noun('chair', 'chairs'),
    ],
    place: [
      noun('garden', 'gardens'),
      noun('house', 'houses'),
      noun('park', 'parks'),
      noun('river', 'rivers'),
      noun('forest', 'forests'),
      noun('road', 'roads'),
      noun('room', 'rooms'),
      noun('field', 'fields'),
      noun('village', 'villages'),
      noun('island', 'islands'),
    ],
  },
  names: ['Anna', 'Tom', 'Lucy', 'Sam', 'Emma', 'Oliver'],
  pronouns: [
    { word: 'he', number: 'singular', classes: ['animate'] },
    { word: 'she', number: 'singular', classes: ['animate'] },
    { word: 'it', number: 'singular', classes: ['thing', 'place'] },
    { word: 'they', number: 'plural', classes: ANY },
  ],
  determiners: {
    singular: ['the', 'a', 'this', 'his', 'her', 'my', 'every', 'their', 'our', 'each'],
    plural: ['the', 'some', 'these', 'two', 'many', 'those', 'their', 'his', 'her', 'my', 'three', 'our', 'several'],
  },
  indefiniteBeforeVowel: 'an',
  sizeAdjectives: [classed('big', ANY), classed('small', ANY), classed('little', ['animate', 'thing'])],
  adjectives: [
    classed('old', ANY),
    classed('young', ['animate']),
    classed('happy', ['animate']),
    classed('red', ['thing']),
    classed('hungry', ['animate']),
    classed('green', ['thing', 'place']),
    classed('quiet', ['animate', 'place']),
    classed('dark', ['place']),
    classed('heavy', ['thing']),
    classed('tired', ['animate']),
    classed('blue', ['thing']),
    classed('empty', ['thing', 'place']),
    classed('new', ['thing', 'place']),
    classed('brave', ['animate']),
    classed('round', ['thing']),
    classed('beautiful', ANY),
    classed('cold', ['thing', 'place']),
    classed('clever', ['animate']),
    classed('broken', ['thing']),
    classed('wide', ['place']),
    classed('angry', ['animate']),
    classed('warm', ['thing', 'place']),
    classed('strange', ANY),
    classed('lazy', ['animate']),
    classed('orange', ['thing']),
    classed('golden', ['thing']),
    classed('ancient', ['thing', 'place']),
  ],
  intransitiveVerbs: [
    intransitive('sleeps', 'sleep', 'slept', ['animate']),
    intransitive('runs', 'run', 'ran', ['animate']),
    intransitive('falls', 'fall', 'fell', ['animate', 'thing']),
    intransitive('sings', 'sing', 'sang', ['animate']),
    intransitive('waits', 'wait', 'waited', ['animate']),
    intransitive('shakes', 'shake', 'shook', ANY),
    intransitive('laughs', 'laugh', 'laughed', ['animate']),
    intransitive('sits', 'sit', 'sat', ['animate']),
    intransitive('rolls', 'roll', 'rolled', ['thing']),
    intransitive('swims', 'swim', 'swam', ['animate']),
    intransitive('shines', 'shine', 'shone', ['thing']),
    intransitive('smiles', 'smile', 'smiled', ['animate']),
    intransitive('disappears', 'disappear', 'disappeared', ['animate', 'thing']),
    intransitive('glows', 'glow', 'glowed', ['thing', 'place']),
    intransitive('dances', 'dance', 'danced', ['animate']),
    intransitive('floods', 'flood', 'flooded', ['place']),
  ],
  transitiveVerbs: [
    transitive('sees', 'see', 'saw', ANY),
    transitive('likes', 'like', 'liked', ANY),
    transitive('chases', 'chase', 'chased', ['animate']),
    transitive('finds', 'find', 'found', ['animate', 'thing']),
    transitive('carries', 'carry', 'carried', ['animate', 'thing']),
    transitive('follows', 'follow', 'followed', ['animate']),
    transitive('holds', 'hold', 'held', ['thing']),
    transitive('helps', 'help', 'helped', ['animate']),
    transitive('watches', 'watch', 'watched', ['animate', 'thing']),
    transitive('visits', 'visit', 'visited', ['animate', 'place']),
    transitive('opens', 'open', 'opened', ['thing']),
    transitive('meets', 'meet', 'met', ['animate']),
    transitive('drops', 'drop', 'dropped', ['thing']),
    transitive('leaves', 'leave', 'left', ['thing', 'place']),
    transitive('loves', 'love', 'loved', ANY),
    transitive('crosses', 'cross', 'crossed', ['place']),
    transitive('paints', 'paint', 'painted', ['thing', 'place']),
  ],
  copula: { present: { singular: 'is', plural: 'are' }, past: { singular: 'was', plural: 'were' } },
  modals: { present: ['will', 'can', 'must'], past: ['would', 'could'] },
  infinitiveCopula: 'be',
  prepositions: [
    classed('in', ['place', 'thing']),
    classed('near', ANY),
    classed('with', ['animate', 'thing']),
    classed('on', ['thing', 'place']),
    classed('behind', ANY),
    classed('under', ['thing']),
    classed('from', ANY),
    classed('beside', ANY),
    classed('across', ['place']),
    classed('through', ['place']),
  ],
  locativePrepositions: ['in', 'near', 'on', 'behind', 'under', 'beside'],
  mannerAdverbs: ['again', 'quickly', 'slowly', 'quietly', 'happily', 'loudly'],
  introAdverbs: { present: ['today', 'now', 'often', 'sometimes', 'usually'], past: ['then', 'yesterday', 'later', 'suddenly', 'once'] },
  relativizers: { animate: 'who', inanimate: 'which', any: 'that' },
  coordinators: ['and', 'but', 'so'],
  subordinators: ['while', 'because'],
  comma: ',',
  period: '.',
};

const L = SYNTHETIC_LEXICON;

/** Every word the grammar can emit, each once. */
export const SYNTHETIC_TEXT_WORDS: readonly string[] = [
  ...new Set([
    ...Object.values(L.nouns).flatMap((nouns) => nouns.flatMap((n) => [n.singular, n.plural])),
    ...L.names,
    ...L.pronouns.map((p) => p.word),
    ...L.determiners.singular,
    ...L.determiners.plural,
    L.indefiniteBeforeVowel,
    ...L.sizeAdjectives.map((a) => a.word),
    ...L.adjectives.map((a) => a.word),
    ...[...L.intransitiveVerbs, ...L.transitiveVerbs].flatMap((v) => [v.singular, v.plural, v.past]),
    ...Object.values(L.copula).flatMap((forms) => [forms.singular, forms.plural]),
    ...L.modals.present,
    ...L.modals.past,
    L.infinitiveCopula,
    ...L.prepositions.map((p) => p.word),
    ...L.mannerAdverbs,
    ...L.introAdverbs.present,
    ...L.introAdverbs.past,
    ...Object.values(L.relativizers),
    ...L.coordinators,
    ...L.subordinators,
    L.comma,
    L.period,
  ]),
];

/** Draws item r (from 0) of a frequency-ranked list with probability proportional to 1 / (r + 1). */
class ZipfChoice<T> {
  private readonly cumulative: Float64Array;

  constructor(readonly items: readonly T[]) {
    if (items.length === 0) throw new Error('ZipfChoice needs at least one item.');
    this.cumulative = new Float64Array(items.length);
    let total = 0;
    items.forEach((_, rank) => {
      total += 1 / (rank + 1);
      this.cumulative[rank] = total;
    });
  }

  pick(rng: Rng): T {
    const { cumulative } = this;
    const target = rng.next() * cumulative[cumulative.length - 1];
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle] > target) high = middle;
      else low = middle + 1;
    }
    return this.items[low];
  }
}

function byClass<T>(pick: (c: NounClass) => readonly T[]): Record<NounClass, ZipfChoice<T>> {
  return { animate: new ZipfChoice(pick('animate')), thing: new ZipfChoice(pick('thing')), place: new ZipfChoice(pick('place')) };
}

const NOUNS = byClass((c) => L.nouns[c]);
const NAMES = new ZipfChoice(L.names);
const DETERMINERS = { singular: new ZipfChoice(L.determiners.singular), plural: new ZipfChoice(L.determiners.plural) };
const SIZE_ADJECTIVES = byClass((c) => L.sizeAdjectives.filter((a) => a.classes.includes(c)).map((a) => a.word));
const ADJECTIVES = byClass((c) => L.adjectives.filter((a) => a.classes.includes(c)).map((a) => a.word));
const INTRANSITIVE = byClass((c) => L.intransitiveVerbs.filter((v) => v.subjects.includes(c)));
const TRANSITIVE = new ZipfChoice(L.transitiveVerbs);
const TRANSITIVE_TAKING = byClass((c) => L.transitiveVerbs.filter((v) => v.objects.includes(c)));
const PREPOSITIONS = new ZipfChoice(L.prepositions);
const LOCATIVE_PREPOSITIONS = byClass((c) => L.prepositions.filter((p) => L.locativePrepositions.includes(p.word) && p.classes.includes(c)));
const MODALS = { present: new ZipfChoice(L.modals.present), past: new ZipfChoice(L.modals.past) };
const MANNER_ADVERBS = new ZipfChoice(L.mannerAdverbs);
const INTRO_ADVERBS = { present: new ZipfChoice(L.introAdverbs.present), past: new ZipfChoice(L.introAdverbs.past) };
const COORDINATORS = new ZipfChoice(L.coordinators);
const SUBORDINATORS = new ZipfChoice(L.subordinators);

/** Relative clauses and prepositional phrases nest at most this deep inside a noun phrase. */
export const SYNTHETIC_MAX_DEPTH = 2;

// Probabilities, by depth where they are arrays.
const RELATIVE_CLAUSE = [0.18, 0.08];
const NOUN_PREPOSITIONAL_PHRASE = [0.12, 0.05];
const SINGULAR = 0.6;
const SUBJECT_CLASS: readonly [NounClass, number][] = [
  ['animate', 0.65],
  ['thing', 0.2],
  ['place', 0.15],
];
const SUBJECT_PRONOUN = 0.1;
const NAME = 0.08;
const COORDINATED_SUBJECT = 0.06;
const ADJECTIVE_COUNT = [0.6, 0.3, 0.1];
/** Of single adjectives, the share that are size adjectives. */
const SIZE_ALONE = 0.35;
const MODAL = 0.1;
const INTRO = 0.15;
const SECOND_CLAUSE = 0.2;
const SENTENCES_PER_LINE = [0.3, 0.3, 0.25, 0.15];
const PRESENT_PARAGRAPH = 0.55;

/**
 * One finite clause of a generated line: where its subject's head words and its finite verb
 * are, as indices into line.split(' '). A coordinated subject ("the dog and the cat") has
 * two heads; a relative clause's subject is the head noun it modifies.
 */
export interface SyntheticAgreement {
  subjects: number[];
  verb: number;
  /** 0 for a sentence's clauses; inside a noun phrase, one more than the clause or phrase it modifies. */
  depth: number;
}

interface Generation {
  rng: Rng;
  words: string[];
  tense: Tense;
  agreements?: SyntheticAgreement[];
}

function chance(rng: Rng, probability: number): boolean {
  return rng.next() < probability;
}

function weighted<T>(rng: Rng, choices: readonly (readonly [T, number])[]): T {
  let u = rng.next();
  for (const [value, weight] of choices) {
    if (u < weight) return value;
    u -= weight;
  }
  return choices[choices.length - 1][0];
}

function pickIndex(rng: Rng, probabilities: readonly number[]): number {
  return weighted(
    rng,
    probabilities.map((p, i) => [i, p] as const),
  );
}

function pickNumber(rng: Rng): GrammaticalNumber {
  return chance(rng, SINGULAR) ? 'singular' : 'plural';
}

function startsWithVowel(word: string): boolean {
  return /^[aeiou]/i.test(word);
}

/** Determiner, adjectives, noun, then perhaps a relative clause or a prepositional phrase. Returns the head's index. */
function nounPhrase(g: Generation, nounClass: NounClass, number: GrammaticalNumber, depth: number): number {
  const { rng, words } = g;
  if (nounClass === 'animate' && number === 'singular' && chance(rng, NAME)) {
    words.push(NAMES.pick(rng));
    return words.length - 1;
  }
  const determiner = words.length;
  words.push(DETERMINERS[number].pick(rng));
  const adjectiveCount = pickIndex(rng, ADJECTIVE_COUNT);
  if (adjectiveCount === 2) words.push(SIZE_ADJECTIVES[nounClass].pick(rng), ADJECTIVES[nounClass].pick(rng));
  else if (adjectiveCount === 1) words.push((chance(rng, SIZE_ALONE) ? SIZE_ADJECTIVES : ADJECTIVES)[nounClass].pick(rng));
  const forms = NOUNS[nounClass].pick(rng);
  words.push(forms[number]);
  const head = words.length - 1;
  if (words[determiner] === 'a' && startsWithVowel(words[determiner + 1])) words[determiner] = L.indefiniteBeforeVowel;
  if (depth < SYNTHETIC_MAX_DEPTH) {
    const u = rng.next();
    if (u < RELATIVE_CLAUSE[depth]) relativeClause(g, nounClass, number, head, depth + 1);
    else if (u < RELATIVE_CLAUSE[depth] + NOUN_PREPOSITIONAL_PHRASE[depth]) prepositionalPhrase(g, PREPOSITIONS.pick(rng), depth + 1);
  }
  return head;
}

function prepositionalPhrase(g: Generation, preposition: ClassedWord, depth: number): void {
  g.words.push(preposition.word);
  const objectClass = preposition.classes[g.rng.int(preposition.classes.length)];
  nounPhrase(g, objectClass, pickNumber(g.rng), depth);
}

/** The finite verb of a clause, agreeing with its subject in the paragraph's tense, or a modal and the infinitive. */
function finiteVerb(g: Generation, forms: VerbForms, number: GrammaticalNumber, subjects: number[], depth: number): void {
  const { rng, words } = g;
  const modal = chance(rng, MODAL);
  words.push(modal ? MODALS[g.tense].pick(rng) : g.tense === 'past' ? forms.past : forms[number]);
  g.agreements?.push({ subjects, verb: words.length - 1, depth });
  if (modal) words.push(forms.plural);
}

function copula(g: Generation, number: GrammaticalNumber, subjects: number[], depth: number): void {
  const { rng, words } = g;
  const modal = chance(rng, MODAL);
  words.push(modal ? MODALS[g.tense].pick(rng) : L.copula[g.tense][number]);
  g.agreements?.push({ subjects, verb: words.length - 1, depth });
  if (modal) words.push(L.infinitiveCopula);
}

function verbPhrase(g: Generation, subjectClass: NounClass, number: GrammaticalNumber, subjects: number[], depth: number): void {
  const { rng, words } = g;
  const kind =
    subjectClass === 'animate'
      ? weighted(rng, [
          ['intransitive', 0.4],
          ['transitive', 0.45],
          ['copula', 0.15],
        ] as const)
      : chance(rng, 0.5)
        ? 'intransitive'
        : 'copula';
  if (kind === 'intransitive') {
    finiteVerb(g, INTRANSITIVE[subjectClass].pick(rng), number, subjects, depth);
    const u = rng.next();
    if (subjectClass === 'animate' && u < 0.25) words.push(MANNER_ADVERBS.pick(rng));
    else if (u > 0.7 && depth < SYNTHETIC_MAX_DEPTH) prepositionalPhrase(g, PREPOSITIONS.pick(rng), depth + 1);
  } else if (kind === 'transitive') {
    const verb = TRANSITIVE.pick(rng);
    finiteVerb(g, verb, number, subjects, depth);
    nounPhrase(g, verb.objects[rng.int(verb.objects.length)], pickNumber(rng), depth);
  } else {
    copula(g, number, subjects, depth);
    if (chance(rng, 0.7)) words.push((chance(rng, SIZE_ALONE) ? SIZE_ADJECTIVES : ADJECTIVES)[subjectClass].pick(rng));
    else prepositionalPhrase(g, LOCATIVE_PREPOSITIONS[subjectClass].pick(rng), depth + 1);
  }
}

/** "who sleeps", "which the boys carry": the verb agrees with the head noun or with the clause's own subject. */
function relativeClause(g: Generation, headClass: NounClass, headNumber: GrammaticalNumber, head: number, depth: number): void {
  const { rng, words } = g;
  words.push(chance(rng, 0.5) ? L.relativizers.any : headClass === 'animate' ? L.relativizers.animate : L.relativizers.inanimate);
  if (chance(rng, headClass === 'animate' ? 0.65 : 0.5)) {
    verbPhrase(g, headClass, headNumber, [head], depth);
  } else {
    const innerNumber = pickNumber(rng);
    const innerSubject = nounPhrase(g, 'animate', innerNumber, depth);
    finiteVerb(g, TRANSITIVE_TAKING[headClass].pick(rng), innerNumber, [innerSubject], depth);
  }
}

function clause(g: Generation): void {
  const { rng, words } = g;
  if (chance(rng, COORDINATED_SUBJECT)) {
    const first = nounPhrase(g, 'animate', pickNumber(rng), 0);
    words.push('and');
    const second = nounPhrase(g, 'animate', pickNumber(rng), 0);
    verbPhrase(g, 'animate', 'plural', [first, second], 0);
    return;
  }
  const subjectClass = weighted(rng, SUBJECT_CLASS);
  const number = pickNumber(rng);
  if (chance(rng, SUBJECT_PRONOUN)) {
    const pronouns = L.pronouns.filter((p) => p.number === number && p.classes.includes(subjectClass));
    if (pronouns.length > 0) {
      words.push(pronouns[rng.int(pronouns.length)].word);
      verbPhrase(g, subjectClass, number, [words.length - 1], 0);
      return;
    }
  }
  const subject = nounPhrase(g, subjectClass, number, 0);
  verbPhrase(g, subjectClass, number, [subject], 0);
}

function sentence(g: Generation): void {
  const { rng, words } = g;
  if (chance(rng, INTRO)) words.push(INTRO_ADVERBS[g.tense].pick(rng), L.comma);
  clause(g);
  if (chance(rng, SECOND_CLAUSE)) {
    if (chance(rng, 0.6)) words.push(L.comma, COORDINATORS.pick(rng));
    else words.push(SUBORDINATORS.pick(rng));
    clause(g);
  }
  words.push(L.period);
}

/**
 * One paragraph: 1-4 sentences in one tense, words separated by single spaces. With
 * `agreements`, every finite clause's subject and verb positions are appended to it.
 */
export function generateSyntheticLine(rng: Rng, agreements?: SyntheticAgreement[]): string {
  const g: Generation = { rng, words: [], tense: chance(rng, PRESENT_PARAGRAPH) ? 'present' : 'past', agreements };
  const sentences = 1 + pickIndex(rng, SENTENCES_PER_LINE);
  for (let i = 0; i < sentences; i++) sentence(g);
  return g.words.join(' ');
}

export interface SyntheticTextOptions {
  seed: number;
  lines: number;
}

function checkLineCount(name: string, lines: number): void {
  if (!Number.isSafeInteger(lines) || lines < 0) throw new RangeError(`${name} must be a whole number >= 0, got ${lines}.`);
}

/** `lines` paragraphs, the same for the same seed. */
export function generateSyntheticText({ seed, lines }: SyntheticTextOptions): string[] {
  checkLineCount('The number of lines', lines);
  const rng = createRng(seed);
  return Array.from({ length: lines }, () => generateSyntheticLine(rng));
}

export interface SyntheticSplitSizes {
  trainLines: number;
  validationLines: number;
  testLines: number;
}

/** Three splits from independent streams, so no split's text depends on another's length. */
export function syntheticTextSplits(seed: number, sizes: SyntheticSplitSizes): { train: string[]; validation: string[]; test: string[] } {
  const seeds = createRng(seed);
  const trainSeed = seeds.int(4294967296);
  const validationSeed = seeds.int(4294967296);
  const testSeed = seeds.int(4294967296);
  checkLineCount('trainLines', sizes.trainLines);
  checkLineCount('validationLines', sizes.validationLines);
  checkLineCount('testLines', sizes.testLines);
  return {
    train: generateSyntheticText({ seed: trainSeed, lines: sizes.trainLines }),
    validation: generateSyntheticText({ seed: validationSeed, lines: sizes.validationLines }),
    test: generateSyntheticText({ seed: testSeed, lines: sizes.testLines }),
  };
}
