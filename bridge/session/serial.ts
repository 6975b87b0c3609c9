/**
 * Runs jobs one at a time, in order. A job queued while another runs (an effect that causes an
 * event) runs after it, never inside it, so each job starts from the state the previous one left.
 */
export class Serial<T> {
  #jobs: T[] = [];
  #busy = false;
  readonly #run: (job: T) => void;

  constructor(run: (job: T) => void) {
    this.#run = run;
  }

  push(job: T): void {
    this.#jobs.push(job);
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let next = this.#jobs.shift(); next !== undefined; next = this.#jobs.shift()) this.#run(next);
    } finally {
      this.#busy = false;
    }
  }
}
