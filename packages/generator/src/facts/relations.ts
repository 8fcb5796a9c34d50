// The relations of the fact base: what a fact states, how a context states it, how to ask for it. Each
// relation has one answer type (objectType), so substitutes are always of the same kind.

export interface Relation {
  id: string;
  description: string;
  subjectType: string;
  /** Answer type: substitutes come from, or are made as, this type. */
  objectType: string;
  /** Numeric answers (years, counts) can be perturbed by degree. */
  numeric?: 'year' | 'integer';
  /** Question templates; `{subject}` is filled. */
  questions: readonly string[];
  /**
   * Clauses stating the fact, without a final period, each usable inside "Many people believe that …".
   * Slots: `{subject}`, `{object}`, `{a_object}` (with its indefinite article).
   */
  clauses: readonly string[];
  /** Whether unknown_subject items (a fabricated subject) make sense for this relation. */
  unknownSubject: boolean;
  /**
   * Broader terms of answers (novelist -> writer). A substitute equal to a broader term of a true value, or
   * narrower than one, is compatible with the truth and so no counterfactual (Mary Shelley "writer" / novelist).
   */
  broader?: Readonly<Record<string, string>>;
  /** Values a plausible (mild or moderate) perturbation of a numeric answer stays within. */
  plausibleRange?: readonly [number, number];
}

/** The latest year a plausible perturbation may reach: fixed, not the clock, so generation stays reproducible. */
export const LATEST_PLAUSIBLE_YEAR = 2025;

export const relations: readonly Relation[] = [
  {
    id: 'country_capital', description: 'country -> capital city', subjectType: 'country', objectType: 'city',
    questions: ['What is the capital of {subject}?', 'What is the capital city of {subject}?'],
    // Not "the government sits in …": several countries' governments sit elsewhere (the Netherlands, Bolivia).
    clauses: ['the capital of {subject} is {object}', '{object} is the capital city of {subject}', '{object} serves as the capital of {subject}'],
    unknownSubject: true,
  },
  {
    id: 'country_currency', description: 'country -> currency', subjectType: 'country', objectType: 'currency',
    questions: ['What is the currency of {subject}?', 'Which currency is used in {subject}?'],
    clauses: ['the currency of {subject} is the {object}', '{subject} uses the {object} as its currency', 'prices in {subject} are given in the {object}'],
    unknownSubject: true,
  },
  {
    id: 'country_language', description: 'country -> official language', subjectType: 'country', objectType: 'language',
    questions: ['What is the official language of {subject}?'],
    clauses: ['the official language of {subject} is {object}', '{object} is the official language of {subject}', 'laws in {subject} are written in {object}, its official language'],
    unknownSubject: true,
  },
  {
    id: 'country_continent', description: 'country -> continent', subjectType: 'country', objectType: 'continent',
    questions: ['On which continent is {subject}?', 'Which continent is {subject} part of?'],
    // Not "is a country in": the list holds territories too (Mayotte is a French department).
    clauses: ['{subject} is located in {object}', '{subject} lies in {object}', 'geographers place {subject} in {object}'],
    unknownSubject: true,
  },
  {
    id: 'city_country', description: 'city -> country', subjectType: 'city', objectType: 'country',
    questions: ['In which country is the city of {subject}?', 'Which country is {subject} in?'],
    clauses: ['{subject} is a city in {object}', 'the city of {subject} is located in {object}', '{object} is the country where {subject} lies'],
    unknownSubject: true,
  },
  {
    id: 'element_symbol', description: 'chemical element -> symbol', subjectType: 'element', objectType: 'element_symbol',
    questions: ['What is the chemical symbol of {subject}?'],
    clauses: ['the chemical symbol of {subject} is {object}', '{subject} has the chemical symbol {object}', 'chemists write {subject} with the symbol {object}'],
    unknownSubject: true,
  },
  {
    id: 'element_atomic_number', description: 'chemical element -> atomic number', subjectType: 'element', objectType: 'atomic_number', numeric: 'integer',
    questions: ['What is the atomic number of {subject}?'], plausibleRange: [1, 118],
    clauses: ['the atomic number of {subject} is {object}', '{subject} has the atomic number {object}', 'a nucleus of {subject} holds {object} protons'],
    unknownSubject: true,
  },
  {
    id: 'element_year_discovered', description: 'chemical element -> year of discovery', subjectType: 'element', objectType: 'year', numeric: 'year',
    questions: ['In what year was {subject} discovered?'], plausibleRange: [1000, LATEST_PLAUSIBLE_YEAR],
    clauses: ['{subject} was discovered in {object}', 'the discovery of {subject} dates from {object}', 'chemists first isolated {subject} in {object}'],
    unknownSubject: true,
  },
  {
    id: 'person_nationality', description: 'person -> nationality', subjectType: 'person', objectType: 'nationality',
    questions: ['What was the nationality of {subject}?'],
    clauses: ['{subject} was {object} by nationality', 'the nationality of {subject} was {object}', '{subject} was a celebrated {object} figure'],
    unknownSubject: true,
  },
  {
    id: 'person_profession', description: 'person -> profession', subjectType: 'person', objectType: 'profession',
    questions: ['What was the profession of {subject}?', 'What did {subject} do for a living?'],
    clauses: ['{subject} was {a_object}', '{subject} worked as {a_object}', 'by profession, {subject} was {a_object}'],
    unknownSubject: true,
    broader: {
      novelist: 'writer', poet: 'writer', playwright: 'writer', essayist: 'writer', journalist: 'writer', humorist: 'writer',
      painter: 'artist', sculptor: 'artist', printmaker: 'artist',
      physicist: 'scientist', chemist: 'scientist', astronomer: 'scientist', biologist: 'scientist', naturalist: 'scientist',
      mathematician: 'scientist', geologist: 'scientist', 'computer scientist': 'scientist', microbiologist: 'biologist',
      botanist: 'biologist', cosmologist: 'physicist', neurologist: 'physician', psychoanalyst: 'physician', inventor: 'engineer',
    },
  },
  {
    id: 'person_known_for', description: 'person -> best-known work', subjectType: 'person', objectType: 'work',
    questions: ['What is {subject} best known for?'],
    clauses: ['{subject} is best known for {object}', 'the best-known work of {subject} is {object}', '{subject} is remembered above all for {object}'],
    unknownSubject: true,
  },
  {
    id: 'book_author', description: 'book -> author', subjectType: 'book', objectType: 'person',
    questions: ['Who wrote {subject}?', 'Who is the author of {subject}?'],
    clauses: ['{subject} was written by {object}', '{object} is the author of {subject}', 'the book {subject} came from the pen of {object}'],
    unknownSubject: true,
  },
  {
    id: 'book_year', description: 'book -> year of first publication', subjectType: 'book', objectType: 'year', numeric: 'year',
    questions: ['In what year was {subject} first published?'], plausibleRange: [1000, LATEST_PLAUSIBLE_YEAR],
    clauses: ['{subject} was first published in {object}', 'the first edition of {subject} appeared in {object}', 'readers first saw {subject} in print in {object}'],
    unknownSubject: true,
  },
  {
    id: 'saying_ending', description: 'proverb or quotation -> its last word', subjectType: 'saying', objectType: 'word',
    questions: ['How does the saying "{subject} …" end?', 'Which word completes the saying "{subject} …"?'],
    clauses: ['the saying goes "{subject} {object}"', 'as the old words put it, "{subject} {object}"', 'people often say "{subject} {object}"'],
    unknownSubject: false,
  },
  {
    id: 'quote_author', description: 'famous quotation -> the person it is attributed to', subjectType: 'quote', objectType: 'person',
    questions: ['Who said "{subject}"?'],
    clauses: ['the words "{subject}" are attributed to {object}', '{object} said "{subject}"', 'it was {object} who said "{subject}"'],
    unknownSubject: false,
  },
];

/** Sentences that add length without stating or hinting at any answer, by subject type. `{subject}` is filled. */
export const fillers: Readonly<Record<string, readonly string[]>> = {
  country: [
    '{subject} has a long and varied history.',
    'Visitors to {subject} often remark on its landscapes.',
    'The people of {subject} take pride in their traditions.',
    'Local markets in {subject} are busy from early morning.',
    'Railways and roads connect the towns of {subject}.',
    'Festivals in {subject} draw crowds every season.',
  ],
  city: [
    '{subject} is known for its lively streets.',
    'Many travellers pass through {subject} each year.',
    'The old quarter of {subject} has narrow lanes and small squares.',
    'Residents of {subject} enjoy a busy cultural calendar.',
    'Markets in {subject} open early in the morning.',
  ],
  element: [
    '{subject} is studied in chemistry classes around the world.',
    'Laboratories keep careful records on {subject}.',
    'The properties of {subject} have been measured many times.',
    'Textbooks devote a short section to {subject}.',
    'Researchers continue to find new uses for {subject}.',
  ],
  person: [
    '{subject} remains a familiar name to many readers.',
    'Biographers have written at length about {subject}.',
    'The life of {subject} has been the subject of films and books.',
    'Museums and libraries hold material related to {subject}.',
    'Students still learn about {subject} today.',
  ],
  book: [
    '{subject} has been translated into many languages.',
    'Critics still debate the themes of {subject}.',
    'Schools often include {subject} in their reading lists.',
    'New editions of {subject} appear regularly.',
    '{subject} has inspired several adaptations.',
  ],
  saying: [
    'Old sayings are passed down from one generation to the next.',
    'Grandparents like to repeat this one.',
    'It is often quoted in everyday conversation.',
    'Teachers sometimes write it on the blackboard.',
  ],
  quote: [
    'These words are quoted often.',
    'The line appears in many anthologies of quotations.',
    'Speakers like to repeat it at ceremonies.',
    'It has been printed on posters and mugs.',
  ],
};

const byId = new Map(relations.map((r) => [r.id, r]));

export function findRelation(id: string): Relation | undefined {
  return byId.get(id);
}

export const relationIds: readonly string[] = relations.map((r) => r.id);
