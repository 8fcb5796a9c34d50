// A run folder belongs to one series and one dataset, run with one set of settings: run-config.json binds
// it. Another series or dataset is refused (CPI_RUN_FOLDER_BOUND), other settings too
// (CPI_RUN_CONFIG_MISMATCH); the default folder moves aside to a sibling instead. Nothing here ever drops
// or rewrites what another run wrote.
import { mkdir, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { asFsCpiError, CpiError, sha256, validate, type RunConfig, pathExists } from '@cpi-bench/schemas';
import { shortHash } from '../keys.ts';
import { processAlive } from './lock.ts';

/** What a run folder is bound to. */
export interface RunIdentity {
  series: { paths: string[]; sha256: string };
  dataset: { path: string; sha256: string };
  template: string;
  mode: RunConfig['mode'];
  splits: string[];
  maxNewTokens: number;
  stop: string[];
}

/** The series a `--checkpoints` value names, by absolute path (new weights under it stay the same series). */
export function seriesIdentity(checkpoints: string | readonly string[]): RunIdentity['series'] {
  const list = typeof checkpoints === 'string' ? checkpoints.split(',') : [...checkpoints];
  const paths = [...new Set(list.map((p) => p.trim()).filter(Boolean).map((p) => resolve(p)))].sort();
  return { paths, sha256: sha256(JSON.stringify(paths)) };
}

/**
 * The default run folder of a series: `runs/<folder name>-<hash of its absolute path>`, so two series that
 * share a folder name (`output`, `onnx`) never meet in one run folder.
 */
export function defaultOutFor(checkpoints: string | readonly string[], root: string = process.cwd()): string {
  const series = seriesIdentity(checkpoints);
  return join(root, 'runs', `${basename(series.paths[0] ?? 'series')}-${shortHash(series.paths)}`);
}

/** The folder's run-config.json: undefined when there is none, CPI_RUN_CONFIG_INVALID when it is unreadable. */
export async function readRunConfig(runDir: string): Promise<RunConfig | undefined> {
  const file = join(runDir, 'run-config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw asFsCpiError(error, runDir);
    throw new CpiError('CPI_RUN_CONFIG_INVALID', `cannot read it: ${(error as Error).message}`, { file, cause: error });
  }
  try {
    return validate('runConfig', JSON.parse(text), { file });
  } catch (error) {
    throw new CpiError('CPI_RUN_CONFIG_INVALID', `is not a valid run config, so this folder's run is unknown: ${(error as Error).message.split('\n')[0]}`, {
      file,
      hint: 'pass another --out (the folder is left as it is)',
      cause: error,
    });
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

function sameSeries(previous: RunConfig, series: RunIdentity['series']): boolean {
  if (previous.series) return previous.series.sha256 === series.sha256;
  // A folder written before runs were bound: the same series when every checkpoint lies in it.
  const inside = (p: string): boolean => series.paths.some((root) => p === root || p.startsWith(root + sep));
  return previous.checkpoints.every((c) => inside(resolve(c.path)));
}

/** Why a folder bound by `previous` cannot take the run `current`, or undefined when it can. */
export function bindingConflict(previous: RunConfig | undefined, current: RunIdentity, runDir: string): CpiError | undefined {
  if (!previous) return undefined;
  const file = join(runDir, 'run-config.json');
  const bound: string[] = [];
  if (!sameSeries(previous, current.series)) bound.push(`the series ${previous.series?.paths.join(', ') ?? previous.checkpoints[0]?.path ?? '?'}`);
  if (previous.dataset.sha256 !== current.dataset.sha256) bound.push(`the dataset ${previous.dataset.path} (sha256 ${previous.dataset.sha256.slice(0, 12)})`);
  if (bound.length > 0) {
    return new CpiError('CPI_RUN_FOLDER_BOUND', `this run folder belongs to ${bound.join(' and ')}, not to this run's`, {
      file,
      hint: 'pass another --out (or leave --out out: each series gets its own folder under runs/); the stored predictions are kept',
    });
  }
  const changed: string[] = [];
  if (previous.template !== current.template) changed.push(`the template (${previous.template} -> ${current.template})`);
  if (previous.mode !== current.mode) changed.push(`the mode (${previous.mode} -> ${current.mode})`);
  if (!sameList(previous.splits, current.splits)) changed.push('the splits');
  if (previous.maxNewTokens !== current.maxNewTokens) changed.push(`--max-new-tokens (${previous.maxNewTokens} -> ${current.maxNewTokens})`);
  if (previous.stop !== undefined && !sameList(previous.stop, current.stop)) changed.push('the stop strings');
  if (changed.length === 0) return undefined;
  return new CpiError('CPI_RUN_CONFIG_MISMATCH', `this run folder holds a run with other settings: ${changed.join(', ')} changed`, {
    file,
    hint: 'pass another --out for the new settings (or leave --out out: they get their own folder); the stored predictions are kept',
  });
}

/**
 * Checks `runDir` for this run. When it is bound elsewhere: refuses, or with `moveAside` (the default
 * folder, which the user did not choose) picks the sibling `<runDir>-<hash of the run>` instead.
 * Creates nothing.
 */
export async function chooseRunFolder(runDir: string, current: RunIdentity, moveAside: boolean): Promise<string> {
  const candidates = moveAside ? [runDir, `${runDir}-${shortHash(current)}`] : [runDir];
  let firstError: CpiError | undefined;
  for (const dir of candidates) {
    const info = await stat(dir).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw asFsCpiError(error, dir);
    });
    if (info && !info.isDirectory()) {
      throw new CpiError('CPI_OUT_NOT_A_FOLDER', `${dir} is a file, not a folder`, { file: dir, hint: 'pass an --out that is a folder (or does not exist yet)' });
    }
    const conflict = info ? await folderConflict(dir, current) : undefined;
    if (!conflict) return dir;
    firstError ??= conflict;
  }
  throw firstError!;
}

async function folderConflict(dir: string, current: RunIdentity): Promise<CpiError | undefined> {
  const previous = await readRunConfig(dir);
  if (!previous && (await pathExists(join(dir, 'predictions.jsonl')))) {
    return new CpiError('CPI_RUN_FOLDER_BOUND', 'this folder holds predictions.jsonl but no run-config.json, so they belong to an unknown run', {
      file: join(dir, 'predictions.jsonl'),
      hint: 'pass another --out; the stored predictions are kept',
    });
  }
  return bindingConflict(previous, current, dir);
}

/** Creates the run folder; true when this call created it (so a run that fails early can remove it again). */
export async function makeRunDir(runDir: string): Promise<boolean> {
  try {
    const existed = await pathExists(runDir);
    await mkdir(runDir, { recursive: true }).catch(async (error: NodeJS.ErrnoException) => {
      // A recursive mkdir reports ENOENT where the last step failed for another reason (EROFS): ask again.
      if (error.code !== 'ENOENT' || !(await pathExists(dirname(runDir)))) throw error;
      await mkdir(runDir);
    });
    return !existed;
  } catch (error) {
    throw asFsCpiError(error, runDir);
  }
}

/** Removes a folder this run created when nothing is in it (a run that failed before writing anything). */
export async function removeIfEmpty(runDir: string): Promise<void> {
  const entries = await readdir(runDir).catch(() => ['?']);
  if (entries.length === 0) await rmdir(runDir).catch(() => undefined);
}

// Temp files of atomic writes (`.<name>.<pid>.<hex>.tmp`, `.<name>.<pid>.<hex>.tmp.old`) and of the lock.
const TEMP_FILE = /^(?:\.(?:predictions\.jsonl|run-config\.json|run-config\.yaml|samples\.jsonl|items\.jsonl|checkpoints\.jsonl|report)|run\.lock(?:\.break)?)\.(\d+)\.[0-9a-f]{8}\.tmp(?:\.old)?$/;

/**
 * Removes what a killed process left mid-write: temp files whose writer is dead. (A failing write removes its
 * own temp file; only SIGKILL or a power cut leaves one.) Returns how many went.
 */
export async function removeDebris(runDir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(runDir).catch(() => [] as string[])) {
    const pid = TEMP_FILE.exec(name)?.[1];
    if (pid === undefined || processAlive(Number(pid))) continue;
    await rm(join(runDir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
