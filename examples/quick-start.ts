/**
 * Runs the whole pipeline from a script, the way a user imports the package.
 * Run it with: npm run example -- quick-start   (Node 20; compiled to dist-examples/ first)
 * It uses the nearest mlops.yml in the current folder or its parents (else the bundled one, with its
 * state in ./.mlops), as the CLI does.
 */
import { runPipeline, type ProgressEvent } from 'mlops-e2e';

const result = await runPipeline({
  reporter: {
    report(event: ProgressEvent) {
      if (event.type === 'stage-end') console.error(`${event.stage}: ${event.status} (${event.durationMs} ms)`);
    },
  },
});

console.log(`status: ${result.status}`);
console.log(`model:  ${result.model?.uri}`);
console.log(`accuracy on held-out rows: ${result.evaluation?.metrics.accuracy}`);
console.log(`predictions: ${result.predictions?.rows} rows in ${result.predictions?.path}`);
if (result.status !== 'succeeded') process.exitCode = result.status === 'rejected' ? 3 : 1;
