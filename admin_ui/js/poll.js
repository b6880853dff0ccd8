// Runs `task` now and then `intervalMs` after each run, until stopped: never two
// runs at once, skipped while the tab is hidden. now() runs it at once (or right
// after the run in progress, so what it shows is never older than the call).
export function every(intervalMs, task) {
  let timer = null;
  let running = false;
  let again = false;
  let stopped = false;

  async function run() {
    clearTimeout(timer);
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    if (!document.hidden) await task();
    running = false;
    if (again) {
      again = false;
      run();
    } else if (!stopped) {
      timer = setTimeout(run, intervalMs);
    }
  }

  run();
  return {
    now: run,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
