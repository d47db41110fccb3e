/**
 * Runs the action it is given at most once per `intervalMs`, dropping the others: for a warning
 * that a binding limit would otherwise repeat on every request.
 */
export function atMostEvery(intervalMs: number): (action: () => void) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  return (action) => {
    const now = performance.now();
    if (now - lastAt < intervalMs) return;
    lastAt = now;
    action();
  };
}
