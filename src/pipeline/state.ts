// What stages pass to later stages is declared by the stages (src/stages/state.ts); re-exported for the pipeline's importers.
export type * from '../stages/state.js';
