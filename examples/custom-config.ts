/**
 * A custom configuration from code: another catalog through a variable, a smaller network and
 * more epochs through job parameters, and the approval gate in dry-run mode for an experiment.
 * The same could be said on the command line:
 *   mlops run pipeline_job --var catalog_name=sandbox --json '{"hidden_units":"8","epochs":"300"}'
 * Run it with: npm run example -- custom-config
 */
import { loadConfig, runPipeline, type ResolvedConfig } from 'mlops-e2e';

const loaded = await loadConfig({ vars: { catalog_name: 'sandbox' } });
const config: ResolvedConfig = { ...loaded, approval: { ...loaded.approval, mode: 'dry_run' } };

const result = await runPipeline({ config, json: { hidden_units: '8', epochs: '300' } });

console.log(`model ${result.model?.uri}`);
console.log(`approval ${result.approval?.status} (would be ${result.approval?.wouldBe} with the gate enabled)`);
console.log(`predictions in ${result.predictions?.path}`);
if (result.status !== 'succeeded') process.exitCode = 1;
