/**
 * A value loaded once per id for the life of the process (a key file, say); a load that failed is
 * forgotten, so the next call tries again instead of repeating the old error forever.
 */
export function processCache<T>(): (id: string, load: () => Promise<T>) => Promise<T> {
  const loaded = new Map<string, Promise<T>>();
  return (id, load) => {
    let value = loaded.get(id);
    if (!value) {
      value = load().catch((err: unknown) => {
        loaded.delete(id);
        throw err;
      });
      loaded.set(id, value);
    }
    return value;
  };
}
