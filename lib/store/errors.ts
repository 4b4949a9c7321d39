// A problem with the cache the user can fix (a foreign file, a missing run): printed as is, without a stack.
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}
