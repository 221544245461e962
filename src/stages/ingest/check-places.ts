import path from 'node:path';
import { MlopsError } from '../../errors.js';
import { TEMP_FILE_PREFIX } from '../../io/atomic-file.js';
import { describePlace, inspect, placeOf, placeText, projectPlaces, type OutputCheckContext } from '../score/check-output.js';
import { decideWriteInto, findPlacementConflict, OUTPUT_MARKER, relationPhrase, relation, type GuardedPlace, type Place } from '../score/output-safety.js';
import { LOCK_FILE_NAME } from './checkpoint-lock.js';
import { LEDGER_FOLDER_NAME, LEGACY_LEDGER_FILE_NAME } from './ledger.js';
import { INGESTED_FOLDER, QUARANTINE_FOLDER } from './output.js';

/** What data_ingestion_job writes in checkpoint_path. */
const CHECKPOINT_ENTRIES = [LEDGER_FOLDER_NAME, LEGACY_LEDGER_FILE_NAME, LOCK_FILE_NAME];

/**
 * The ingest stage's guard (the same pure core as the score stage's, output-safety.ts), called
 * before a job run is created: throws CONFIG_INVALID naming the parameter and both places when
 * volume_path or checkpoint_path is or contains the project's folder or workspace, overlaps the
 * landing files (source_path) or the MLflow store, or is a folder holding files the job did not write.
 */
export async function checkIngestPlaces(ctx: OutputCheckContext, params: Record<string, string>): Promise<void> {
  const volumeValue = params.volume_path?.replace(/\/+$/, '') ?? '';
  const checkpointValue = params.checkpoint_path?.replace(/\/+$/, '') ?? '';
  if (volumeValue === '' || checkpointValue === '') return; // the parameter check says so
  const volume = await placeOf(volumeValue, ctx);
  const checkpoint = await placeOf(checkpointValue, ctx);
  const project = await projectPlaces(ctx);
  const source = params.source_path ? await placeOf(params.source_path, ctx) : undefined;
  const landing = (rule: GuardedPlace['rule']): GuardedPlace[] => (source ? [{ place: source, what: `source_path, the landing files (${params.source_path})`, rule }] : []);

  // volume_path may hold the landing folder (it is only read); what the job writes there (ingested/,
  // quarantine/) and the checkpoint never overlap it, so volume_path is never it nor inside it.
  const written: { parameter: string; named: string; place: Place | undefined; guards: GuardedPlace[] }[] = [
    { parameter: 'volume_path', named: volumeValue, place: volume, guards: project },
    { parameter: 'volume_path', named: `${volumeValue}/${INGESTED_FOLDER}`, place: await placeOf(`${volumeValue}/${INGESTED_FOLDER}`, ctx), guards: [...landing('overlap'), ...project] },
    { parameter: 'volume_path', named: `${volumeValue}/${QUARANTINE_FOLDER}`, place: await placeOf(`${volumeValue}/${QUARANTINE_FOLDER}`, ctx), guards: [...landing('overlap'), ...project] },
    { parameter: 'checkpoint_path', named: checkpointValue, place: checkpoint, guards: [...landing('overlap'), ...project] },
  ];
  for (const { parameter, named, place, guards } of written) {
    if (place === undefined) continue;
    const conflict = findPlacementConflict(place, guards);
    if (conflict !== undefined) {
      throw new MlopsError(
        'CONFIG_INVALID',
        `${parameter} ${describePlace(named, place)} ${relationPhrase(conflict.relation)} ${conflict.guarded.what}: data_ingestion_job never writes over the landing files, the project's folder, its workspace or the MLflow store; choose another ${parameter}`,
        { details: { parameter, output: placeText(place), conflict: placeText(conflict.guarded.place), relation: conflict.relation } },
      );
    }
  }

  // Ownership: the folders hold only what the job writes (and, in volume_path, the checkpoint folder,
  // the landing folder and outputs of batch_inference_job, which carry its marker).
  const sameFolder = volume !== undefined && checkpoint !== undefined && relation(checkpoint, volume) === 'same';
  const volumeOurs = [INGESTED_FOLDER, QUARANTINE_FOLDER, ...(sameFolder ? CHECKPOINT_ENTRIES : []), ...firstSegmentInside(checkpoint, volume), ...firstSegmentInside(source, volume)];
  for (const [parameter, named, place, ours] of [
    ['volume_path', volumeValue, volume, volumeOurs],
    ['checkpoint_path', checkpointValue, checkpoint, sameFolder ? volumeOurs : CHECKPOINT_ENTRIES],
  ] as const) {
    if (place === undefined || place.kind === 'table') continue;
    const existing = await inspect(place, ctx);
    const owned = existing.kind === 'folder' ? await markedFolders(place, existing.entries.filter((name) => !ours.includes(name)), ctx) : [];
    const decision = decideWriteInto(existing, ours, owned, TEMP_FILE_PREFIX);
    if (!decision.allowed) {
      throw new MlopsError(
        'CONFIG_INVALID',
        `${parameter} ${describePlace(named, place)} cannot receive ingested data: ${decision.reason}. data_ingestion_job writes only into an empty folder or one it wrote; choose another ${parameter}`,
        { details: { parameter, output: placeText(place) } },
      );
    }
  }
}

/** The name of the child of `parent` that leads to `place`, when `place` lies inside it. */
function firstSegmentInside(place: Place | undefined, parent: Place | undefined): string[] {
  if (place === undefined || parent === undefined || place.kind === 'table' || parent.kind === 'table' || relation(place, parent) !== 'inside') return [];
  return [place.path.slice(parent.path.replace(/\/+$/, '').length + 1).split('/')[0]!];
}

/** Those of `names` (children of `folder`) that are folders written by batch_inference_job (they hold its marker). */
async function markedFolders(folder: Place & { path: string }, names: readonly string[], ctx: OutputCheckContext): Promise<string[]> {
  const marked: string[] = [];
  for (const name of names.slice(0, 20)) {
    const child: Place = folder.kind === 'local' ? { kind: 'local', path: path.join(folder.path, name) } : { kind: 'volume', path: `${folder.path}/${name}` };
    const existing = await inspect(child, ctx);
    if (existing.kind === 'folder' && existing.entries.includes(OUTPUT_MARKER)) marked.push(name);
  }
  return marked;
}
