// The Reporter moved to src/reporter.ts (stages and the scoring server use it too); kept here for importers of the old path.
export { RecordingReporter, silentReporter, type ProgressEvent, type Reporter } from '../reporter.js';
