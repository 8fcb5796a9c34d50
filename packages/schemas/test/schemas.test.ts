import { describe, expect, it } from 'vitest';
import { CpiError, SchemaValidationError, isValid, schemaIssues, schemaNames, validate } from '../src/index.ts';
import { validExamples } from './examples.ts';

const clone = <T>(v: T): T => structuredClone(v);

describe('every schema', () => {
  it.each(schemaNames)('%s accepts its valid example', (name) => {
    expect(schemaIssues(name, validExamples[name])).toEqual([]);
  });

  it.each(schemaNames)('%s rejects a missing schemaVersion and an unknown property', (name) => {
    const { schemaVersion: _dropped, ...rest } = validExamples[name] as unknown as Record<string, unknown>;
    // A run file is written by hand (like lm-eval's task YAML): its schemaVersion is optional, checked when given.
    if (name === 'runSpec') expect(isValid(name, { ...rest, schemaVersion: 2 })).toBe(false);
    else expect(isValid(name, rest)).toBe(false);
    expect(isValid(name, { ...validExamples[name], surprise: true })).toBe(false);
  });
});

describe('ConflictItem', () => {
  const item = validExamples.conflictItem;

  it('rejects a missing field, a wrong type, an unknown split and an empty answer, naming the pointer', () => {
    const noAnswer = clone(item) as Record<string, unknown>;
    delete noAnswer['contextAnswer'];
    expect(schemaIssues('conflictItem', noAnswer)).toContainEqual({ pointer: '', message: 'is missing required property "contextAnswer"' });

    expect(schemaIssues('conflictItem', { ...item, context: 42 }).map((i) => i.pointer)).toContain('/context');
    const split = schemaIssues('conflictItem', { ...item, split: 'counterfactual' });
    expect(split.some((i) => i.pointer === '/split' && i.message.includes('"closed_book"'))).toBe(true);
    expect(schemaIssues('conflictItem', { ...item, parametricAnswer: '' }).map((i) => i.pointer)).toContain('/parametricAnswer');
    expect(schemaIssues('conflictItem', { ...item, parametricAnswer: '   ' }).map((i) => i.pointer)).toContain('/parametricAnswer');
  });

  it('ties fields to the split: closed-book has no context, unknown-subject no parametric answer', () => {
    const closed = { ...clone(item), split: 'closed_book' } as Record<string, unknown>;
    expect(isValid('conflictItem', closed)).toBe(false);
    delete closed['context'];
    expect(isValid('conflictItem', closed)).toBe(true);
    expect(isValid('conflictItem', { ...item, split: 'unknown_subject' })).toBe(false);
    const { parametricAnswer: _p, ...unknownSubject } = item;
    expect(isValid('conflictItem', { ...unknownSubject, split: 'unknown_subject' })).toBe(true);
  });

  it('needs a question or a prompt', () => {
    const { question: _q, ...noQuestion } = item;
    expect(isValid('conflictItem', noQuestion)).toBe(false);
    expect(isValid('conflictItem', { ...noQuestion, prompt: 'Write a quote that ends in "heavy": Absence makes the heart grow' })).toBe(true);
  });
});

describe('other documents', () => {
  it('PredictionRecord: a failed item must carry its error, a scored one its candidates', () => {
    const { candidates: _c, ...noCandidates } = validExamples.predictionRecord;
    expect(isValid('predictionRecord', noCandidates)).toBe(false);
    expect(isValid('predictionRecord', { ...noCandidates, ok: false })).toBe(false);
    expect(isValid('predictionRecord', { ...noCandidates, ok: false, error: { code: 'CPI_EMPTY_CONTINUATION', message: 'x' } })).toBe(true);
  });

  it('FinetuneExample: Alpaca or chat, never both', () => {
    const chat = { schemaVersion: 1, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] };
    expect(isValid('finetuneExample', chat)).toBe(true);
    expect(isValid('finetuneExample', { ...chat, instruction: 'x', output: 'y' })).toBe(false);
    expect(isValid('finetuneExample', { schemaVersion: 1, instruction: 'x' })).toBe(false);
    expect(isValid('finetuneExample', { schemaVersion: 1, messages: [{ role: 'robot', content: 'x' }] })).toBe(false);
  });

  it('CheckpointManifest rejects a malformed hash and a negative step', () => {
    expect(isValid('checkpointManifest', { ...validExamples.checkpointManifest, modelHash: 'abc' })).toBe(false);
    expect(isValid('checkpointManifest', { ...validExamples.checkpointManifest, step: -1 })).toBe(false);
  });
});

describe('validate()', () => {
  it('throws a CpiError with code CPI_SCHEMA_INVALID listing file:line and pointer for each failure', () => {
    const bad = { ...validExamples.fact, subject: '', relation: 7 };
    let caught: unknown;
    try {
      validate('fact', bad, { file: 'facts.jsonl', line: 12 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SchemaValidationError);
    expect(caught).toBeInstanceOf(CpiError);
    const err = caught as SchemaValidationError;
    expect(err.code).toBe('CPI_SCHEMA_INVALID');
    expect(err.issues.map((i) => i.pointer)).toEqual(expect.arrayContaining(['/subject', '/relation']));
    expect(err.message).toContain('facts.jsonl:12 /subject:');
    expect(err.message).toContain('facts.jsonl:12 /relation:');
  });

  it('returns the value typed when valid', () => {
    const fact = validate('fact', clone(validExamples.fact));
    expect(fact.object).toBe('Paris');
  });
});
