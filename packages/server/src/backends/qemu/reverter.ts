// Undo steps for a multi-step operation (incus' reverter): each step that made something
// registers how to remove it; on failure they run newest first, on success they are dropped.
export class Reverter {
  private readonly steps: Array<() => unknown> = [];

  add(undo: () => unknown): void {
    this.steps.push(undo);
  }

  /** Forgets the undo steps: what was made stays. */
  success(): void {
    this.steps.length = 0;
  }

  /** Runs every undo step, newest first; a failing step does not stop the others. Returns their errors. */
  async revert(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const undo of this.steps.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }
}
