// A download's progress in the terminal: one line rewritten in place (\r) on a terminal, or a
// new line every 10% when the output goes to a file or CI log, which \r would garble.

export interface TextSink {
  write(text: string): unknown;
  /** True when the text goes to a terminal. */
  isTTY?: boolean;
}

const MB = 1_000_000;
const TTY_INTERVAL_MS = 100;
/** Without a Content-Length there is no percentage; a line per this many bytes instead. */
const UNKNOWN_TOTAL_STEP = 10 * MB;

/** "170.1 MB", or "39.4 kB" below a megabyte so small files do not read as 0.0 MB. */
export function formatBytes(bytes: number): string {
  return bytes < MB ? `${(bytes / 1000).toFixed(1)} kB` : `${(bytes / MB).toFixed(1)} MB`;
}

/** "12.3 MB of 170.1 MB (7%), 5.2 MB/s"; without a total, "12.3 MB, 5.2 MB/s". */
export function progressText(received: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${((received / MB) * (1000 / elapsedMs)).toFixed(1)} MB/s` : '- MB/s';
  if (total === undefined || total <= 0) return `${formatBytes(received)}, ${rate}`;
  const percent = Math.min(100, Math.floor((received / total) * 100));
  return `${formatBytes(received)} of ${formatBytes(total)} (${percent}%), ${rate}`;
}

export interface Progress {
  update(received: number): void;
  /** The last line, ended. */
  done(received: number): void;
  /** Ends a line left open on a terminal, so an error message starts on its own line. */
  abandon(): void;
}

export function createProgress(sink: TextSink, label: string, total: number | undefined, now: () => number = () => performance.now()): Progress {
  const start = now();
  let lastDraw = -Infinity;
  let lineOpen = false;
  let lastStep = 0;
  const text = (received: number) => `${label}: ${progressText(received, total, now() - start)}`;
  const step = (received: number) => (total ? Math.floor((received / total) * 10) : Math.floor(received / UNKNOWN_TOTAL_STEP));
  return {
    update(received) {
      if (sink.isTTY) {
        if (now() - lastDraw < TTY_INTERVAL_MS) return;
        lastDraw = now();
        // \x1b[K clears what a longer previous line left to the right.
        sink.write(`\r${text(received)}\x1b[K`);
        lineOpen = true;
        return;
      }
      const reached = step(received);
      if (reached > lastStep && !(total && received >= total)) {
        lastStep = reached;
        sink.write(`${text(received)}\n`);
      }
    },
    done(received) {
      sink.write(sink.isTTY ? `\r${text(received)}\x1b[K\n` : `${text(received)}\n`);
      lineOpen = false;
    },
    abandon() {
      if (lineOpen) sink.write('\n');
      lineOpen = false;
    },
  };
}
