/**
 * What a store method gives back: the bridge's SQLite answers at once, the web's IndexedDB with a
 * promise. The driver is generic over which, so the bridge's `send` stays synchronous (it returns
 * only after its fsync) while the web's resolves after the IndexedDB commit.
 */
export type Io<T, Async extends boolean> = Async extends true ? Promise<T> : T;

/**
 * Runs a store call and goes on with its answer: at once for a synchronous store, after the promise
 * for an asynchronous one. A throw or a rejection of the call goes to `failed`; a throw in `ok` or
 * `failed` is a bug and propagates.
 */
export function settle<T, U, Async extends boolean>(
  async: Async,
  call: () => Io<T, Async>,
  ok: (value: T) => U,
  failed: (err: unknown) => U,
): Io<U, Async> {
  // The casts are the one place where `async` (a value) stands for `Async` (a type): TypeScript
  // does not narrow a conditional type by a runtime check.
  if (async) {
    let answer: Promise<T>;
    try {
      answer = call() as Promise<T>;
    } catch (err) {
      answer = Promise.reject(err);
    }
    return answer.then(ok, failed) as Io<U, Async>;
  }
  let value: T;
  try {
    value = call() as T;
  } catch (err) {
    return failed(err) as Io<U, Async>;
  }
  return ok(value) as Io<U, Async>;
}

/** A value as a store of this kind would answer it. */
export function answer<T, Async extends boolean>(async: Async, value: T): Io<T, Async> {
  return (async ? Promise.resolve(value) : value) as Io<T, Async>;
}
