/**
 * Serialises read-modify-write of one meta.yaml within this process, so two concurrent calls on
 * one store (say a tag write and a status update) do not drop each other's change. Across
 * processes the last rename wins, exactly as with MLflow's own FileStore.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    try {
      await previous;
      return await task();
    } finally {
      release();
      // The last holder cleans up so the map does not grow with every run ever touched.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
