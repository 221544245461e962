/** What deploying `candidate` means given who holds the alias now. */
export type DeploymentPlan =
  | { action: 'unchanged'; version: string }
  | { action: 'move'; version: string; previous: string | undefined };

export function planDeployment(candidate: string, currentChampion: string | undefined): DeploymentPlan {
  if (currentChampion === candidate) return { action: 'unchanged', version: candidate };
  return { action: 'move', version: candidate, previous: currentChampion };
}
