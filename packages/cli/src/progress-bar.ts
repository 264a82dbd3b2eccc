// A one-line progress bar on stderr for uploads and downloads: bytes, rate and time left,
// redrawn in place with \r. Only drawn on a terminal, so that logs and pipes stay clean.
import type { TransferProgress } from '@oceanos/sdk';

export interface ProgressFrame {
  label: string;
  phase: TransferProgress['phase'];
  done: number;
  total: number;
  elapsedMs: number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 199999999 → "190.7 MiB": one decimal, so that the line keeps its length. */
export function shortBytes(n: number): string {
  let i = 0;
  while (i < UNITS.length - 1 && n >= 1024 ** (i + 1)) i++;
  return i === 0 ? `${Math.round(n)} B` : `${(n / 1024 ** i).toFixed(1)} ${UNITS[i]}`;
}

/** 75 → "1:15", 3700 → "1:01:40". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

// Room kept for the numbers, so that the label and the bar stay put while they change.
const TAIL_WIDTH = 48;

/** One line of at most `width` characters: `name uploading [=====>    ]  45% 4.0 MiB/9.0 MiB 2.0 MiB/s 0:03 left`. */
export function formatProgress(frame: ProgressFrame, width: number): string {
  const { done, total, elapsedMs } = frame;
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = done >= total ? formatDuration(elapsedMs / 1000) : rate > 0 ? `${formatDuration((total - done) / rate)} left` : '--:-- left';
  const tail = ` ${String(Math.floor(ratio * 100)).padStart(3)}% ${shortBytes(done)}/${shortBytes(total)} ${shortBytes(rate)}/s ${eta}`;
  const cells = width >= 120 ? 30 : width >= 100 ? 20 : 8;
  const filled = Math.floor(ratio * cells);
  const bar = `[${'='.repeat(filled)}${filled < cells ? '>' : ''}${' '.repeat(Math.max(0, cells - filled - 1))}]`;
  const head = `${frame.label} ${frame.phase}`;
  const room = Math.max(12, width - TAIL_WIDTH - bar.length - 1);
  const shownHead = head.length <= room ? head.padEnd(room) : `…${head.slice(head.length - room + 1)}`;
  return `${shownHead} ${bar}${tail}`.slice(0, width);
}

export class ProgressBar {
  private phase?: TransferProgress['phase'];
  private phaseStart = 0;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly label: string,
    private readonly columns = 80,
    private readonly now: () => number = Date.now,
  ) {}

  /** Redraws at most ten times a second, and always at the end of a phase. */
  update(progress: TransferProgress): void {
    const time = this.now();
    if (progress.phase !== this.phase) {
      if (this.drawn) this.write('\n');
      this.phase = progress.phase;
      this.phaseStart = time;
      this.lastDraw = -Infinity;
    }
    if (time - this.lastDraw < 100 && progress.done < progress.total) return;
    this.lastDraw = time;
    this.drawn = true;
    const line = formatProgress({ label: this.label, ...progress, elapsedMs: time - this.phaseStart }, this.columns - 1);
    this.write(`\r${line}\x1b[K`);
  }

  /** Ends the line, so that what is printed next starts on its own. */
  finish(): void {
    if (this.drawn) this.write('\n');
    this.drawn = false;
  }
}
